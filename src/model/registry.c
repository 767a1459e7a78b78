/*
 * registry.c: the builtin encoders, registered at module load in this
 * order (model.h).  The order numbers them in LpOptions.encoder; add a new
 * encoder at the end.
 */
#include "postgres.h"

#include "model.h"

void
LpRegisterBuiltinEncoders(void)
{
	LpRegisterEncoder(&LpMfEncoder);
	LpRegisterEncoder(&LpSpectralEncoder);
	LpRegisterEncoder(&LpLightGcnEncoder);
	LpRegisterEncoder(&LpSageEncoder);
}
