/*
 * registry.c: the builtin encoders (model.h) and decoders (decoder.h),
 * registered at module load in this order.  The order numbers them in
 * LpOptions.encoder and LpOptions.decoder; add a new one at the end.
 */
#include "postgres.h"

#include "decoder.h"
#include "model.h"

void
LpRegisterBuiltinEncoders(void)
{
	LpRegisterEncoder(&LpMfEncoder);
	LpRegisterEncoder(&LpSpectralEncoder);
	LpRegisterEncoder(&LpLightGcnEncoder);
	LpRegisterEncoder(&LpSageEncoder);
}

void
LpRegisterBuiltinDecoders(void)
{
	LpRegisterDecoder(&LpDotDecoder);
	LpRegisterDecoder(&LpBilinearDecoder);
	LpRegisterDecoder(&LpMlpDecoder);
}
