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
	LpRegistryAdd(LP_ENCODERS, &LpMfEncoder);
	LpRegistryAdd(LP_ENCODERS, &LpSpectralEncoder);
	LpRegistryAdd(LP_ENCODERS, &LpLightGcnEncoder);
	LpRegistryAdd(LP_ENCODERS, &LpSageEncoder);
}

void
LpRegisterBuiltinDecoders(void)
{
	LpRegistryAdd(LP_DECODERS, &LpDotDecoder);
	LpRegistryAdd(LP_DECODERS, &LpBilinearDecoder);
	LpRegistryAdd(LP_DECODERS, &LpMlpDecoder);
}
