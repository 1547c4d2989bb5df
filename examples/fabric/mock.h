/* The mock model of examples/fabric: a deterministic "inference" so that
 * the scheduler can check every answer. Completion token i of a request is
 * a hash of the prompt, the sampling seed and i. */
#ifndef FABRIC_MOCK_H
#define FABRIC_MOCK_H

#include <stdint.h>

#define MOCK_VOCAB 50000u
#define MOCK_MAX_PROMPT 64u
#define MOCK_MAX_OUT 32u

static inline uint64_t mock_mix(uint64_t h, uint64_t v)
{
    h ^= v + 0x9e3779b97f4a7c15u + (h << 6) + (h >> 2);
    h *= 0xff51afd7ed558ccdu;
    return h ^ (h >> 33);
}

/* The prompt of request id: 1..MOCK_MAX_PROMPT tokens; returns the count. */
static inline uint32_t mock_prompt(uint64_t id, uint32_t *tok)
{
    uint32_t n = 1 + (uint32_t)(mock_mix(id, 1) % MOCK_MAX_PROMPT);
    for (uint32_t i = 0; i < n; i++)
        tok[i] = (uint32_t)(mock_mix(id, 100 + i) % MOCK_VOCAB);
    return n;
}

/* The completion: max_tokens tokens from the prompt and the seed. */
static inline void mock_complete(const uint32_t *prompt, uint32_t n, uint32_t seed,
                                 uint32_t max_tokens, uint32_t *out)
{
    uint64_t h = seed;
    for (uint32_t i = 0; i < n; i++)
        h = mock_mix(h, prompt[i]);
    for (uint32_t i = 0; i < max_tokens; i++)
        out[i] = (uint32_t)(mock_mix(h, i) % MOCK_VOCAB);
}

#endif
