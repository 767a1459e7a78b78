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
 * text for the version's metrics->'tuning').  Without "tune" (a job that
 * LpChoosesEncoder), the same with trial 1 and the alternative only: the
 * choice of the encoder; NULL if the validation part holds nothing.
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

/*
 * Whether a job without "tune" still chooses its encoder on a validation
 * part (LpTune with the alternative only): when the user named no encoder
 * and one validation draw of g holds enough edges to tell two encoders
 * apart (LP_TUNE_MIN_VALIDATION).  The pipeline adds the alternative's
 * own conditions (LpTuneAlternative, memory, no index).
 */
extern bool LpChoosesEncoder(const LpJobRun *run, const LpGraph *g);

#endif
