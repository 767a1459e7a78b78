/*
 * tune.h: option "tune" (tune.c), as the pipeline (pipeline.c) runs it
 * before the fit of the model it stores.
 */
#ifndef LINKPRED_TUNE_H
#define LINKPRED_TUNE_H

#include "jobfit.h"

/*
 * Option "tune": search the encoder's options on a validation part
 * of g, set the winner in run->opts, and return the search's record (JSON
 * text for the version's metrics->'tuning').
 */
extern char *LpTune(LpJobRun *run, const LpGraph *g, const LpOptions *alternative);

/*
 * The other encoder "tune" tries when the user named none: on a bipartite
 * graph whose options the spectral encoder takes, the options as given
 * with "encoder": "spectral" (its defaults for the rest) into *alt.  False
 * when there is none.  The pipeline checks its memory before it passes
 * *alt to LpTune.
 */
extern bool LpTuneAlternative(const LpJobRun *run, LpOptions *alt);

#endif
