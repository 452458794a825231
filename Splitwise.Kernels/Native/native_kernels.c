// The inner loops that need an x86 instruction .NET 10 does not expose on AVX-512 CPUs, built at compile time into
// a small shared library that Splitwise.Kernels embeds and loads (NativeKernels.cs); everything around them
// (threading, activation quantization, SiLU, attention's softmax, stores) stays in C#:
// - the Q8_0 "rows in lanes" GEMM tile with AVX-512 VNNI (vpdpbusd; .NET exposes it only under AVX10 and
//   AVX-VNNI-INT8, which Zen 4 and Ice Lake-class CPUs lack);
// - the fp16 decode GEMV and the fp16 → fp32 widening of KV tiles, with vcvtph2ps (no .NET 10 API at all);
// - decode attention (one query token against the paged KV cache), whose fp16 values are widened with vcvtph2ps too.
//
// The Q8_0 tile's layout
// (same as the managed row-lane kernel, MatMul.GemmQ8_0RowLanes.cs): 16 weight rows go in the 16 int32 lanes.
// A 32-element block of each row is transposed in registers so that register j holds codes 4j..4j+3 of every row;
// one vpdpbusd against a token's broadcast four activation bytes then adds four products per row. vpdpbusd multiplies
// unsigned by signed bytes and only the signed operand can be a broadcast from memory, so the weights are made
// unsigned in registers (code + 128, once per block for all tokens) and each token's sum starts at -128·Σ its codes.

#include <immintrin.h>
#include <stdint.h>

#define SW_EXPORT __attribute__((visibility("default")))

// Bumped whenever an exported signature changes, so a stale library is refused instead of called wrongly.
SW_EXPORT int32_t sw_native_abi_version(void) { return 7; }

SW_EXPORT int32_t sw_cpu_has_avx512_vnni(void)
{
    __builtin_cpu_init();
    return __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw") && __builtin_cpu_supports("avx512vnni");
}

#pragma GCC push_options
#pragma GCC target("avx512f,avx512bw,avx512dq,avx512vl,avx512vnni,f16c,fma")

enum { TILE_ROWS = 16, BLOCK_BYTES = 34, PREFETCH_BLOCKS = 8, MAX_GROUP = 16 };

// One block (32 codes) of the tile's 16 rows: w[j] lane r = codes 4j..4j+3 of row r, plus 128; scales = the rows'
// fp16 scales as fp32.
typedef struct
{
    __m512i w[8];
    __m512 scales;
} tile_block;

static inline __attribute__((always_inline)) void load_block(const uint8_t* blk, const int64_t* off, tile_block* t)
{
    uint16_t halves[TILE_ROWS];
    for (int r = 0; r < TILE_ROWS; r++) halves[r] = *(const uint16_t*)(blk + off[r]);
    t->scales = _mm512_cvtph_ps(_mm256_loadu_si256((const __m256i*)halves));

    // z[i] = row i's eight code dwords in the low 256 bits, row i + 8's in the high: then an 8x8 dword transpose
    // inside each 128-bit lane pair (unpack 32, unpack 64) and a qword permute across lanes finish it.
    __m512i z[8];
    for (int i = 0; i < 8; i++)
    {
        __m256i lo = _mm256_loadu_si256((const __m256i*)(blk + off[i] + 2));
        __m256i hi = _mm256_loadu_si256((const __m256i*)(blk + off[i + 8] + 2));
        z[i] = _mm512_inserti64x4(_mm512_castsi256_si512(lo), hi, 1);
    }
    __m512i t0 = _mm512_unpacklo_epi32(z[0], z[1]), t1 = _mm512_unpackhi_epi32(z[0], z[1]);
    __m512i t2 = _mm512_unpacklo_epi32(z[2], z[3]), t3 = _mm512_unpackhi_epi32(z[2], z[3]);
    __m512i t4 = _mm512_unpacklo_epi32(z[4], z[5]), t5 = _mm512_unpackhi_epi32(z[4], z[5]);
    __m512i t6 = _mm512_unpacklo_epi32(z[6], z[7]), t7 = _mm512_unpackhi_epi32(z[6], z[7]);
    // u0: 128-bit lanes = rows 0-3 dword 0 | rows 0-3 dword 4 | rows 8-11 dword 0 | rows 8-11 dword 4 (u4: rows 4-7, 12-15).
    __m512i u0 = _mm512_unpacklo_epi64(t0, t2), u1 = _mm512_unpackhi_epi64(t0, t2);
    __m512i u2 = _mm512_unpacklo_epi64(t1, t3), u3 = _mm512_unpackhi_epi64(t1, t3);
    __m512i u4 = _mm512_unpacklo_epi64(t4, t6), u5 = _mm512_unpackhi_epi64(t4, t6);
    __m512i u6 = _mm512_unpacklo_epi64(t5, t7), u7 = _mm512_unpackhi_epi64(t5, t7);
    const __m512i first = _mm512_setr_epi64(0, 1, 8, 9, 4, 5, 12, 13);
    const __m512i second = _mm512_setr_epi64(2, 3, 10, 11, 6, 7, 14, 15);
    t->w[0] = _mm512_permutex2var_epi64(u0, first, u4); t->w[4] = _mm512_permutex2var_epi64(u0, second, u4);
    t->w[1] = _mm512_permutex2var_epi64(u1, first, u5); t->w[5] = _mm512_permutex2var_epi64(u1, second, u5);
    t->w[2] = _mm512_permutex2var_epi64(u2, first, u6); t->w[6] = _mm512_permutex2var_epi64(u2, second, u6);
    t->w[3] = _mm512_permutex2var_epi64(u3, first, u7); t->w[7] = _mm512_permutex2var_epi64(u3, second, u7);
    const __m512i k128 = _mm512_set1_epi8((char)0x80);
    for (int j = 0; j < 8; j++) t->w[j] = _mm512_xor_si512(t->w[j], k128);
}

// Tokens t..t+n-1 (n a compile-time constant after inlining, so the accumulators live in registers) over all blocks.
static inline __attribute__((always_inline)) void tile_group(
    const uint8_t* first_row, const int64_t* off, int32_t blocks, const int8_t* act, const float* act_scales,
    const int32_t* act_neg_sums, int32_t tokens, int32_t t, const int n, int prefetch, float* out)
{
    __m512 acc[MAX_GROUP];
#pragma GCC unroll 16
    for (int i = 0; i < n; i++) acc[i] = _mm512_setzero_ps();
    for (int32_t b = 0; b < blocks; b++)
    {
        const uint8_t* blk = first_row + (int64_t)b * BLOCK_BYTES;
        if (prefetch && b + PREFETCH_BLOCKS < blocks)
            for (int r = 0; r < TILE_ROWS; r++) _mm_prefetch((const char*)(blk + PREFETCH_BLOCKS * BLOCK_BYTES + off[r]), _MM_HINT_T0);
        tile_block tb;
        load_block(blk, off, &tb);
        const int32_t* a = (const int32_t*)(act + ((int64_t)b * tokens + t) * 32);
        const float* s = act_scales + (int64_t)b * tokens + t;
        const int32_t* c = act_neg_sums + (int64_t)b * tokens + t;
#pragma GCC unroll 16
        for (int i = 0; i < n; i++)
        {
            __m512i sum = _mm512_set1_epi32(c[i]);
#pragma GCC unroll 8
            for (int j = 0; j < 8; j++) sum = _mm512_dpbusd_epi32(sum, tb.w[j], _mm512_set1_epi32(a[i * 8 + j]));
            acc[i] = _mm512_fmadd_ps(_mm512_cvtepi32_ps(sum), _mm512_mul_ps(tb.scales, _mm512_set1_ps(s[i])), acc[i]);
        }
    }
#pragma GCC unroll 16
    for (int i = 0; i < n; i++) _mm512_storeu_ps(out + i * TILE_ROWS, acc[i]);
}

// out[(t - t0) * 16 + r] = Σ over all blocks of row (first_row + r) · token t, for t in [t0, t1) and the tile's rows.
// first_row points at row 0 of the tile (Q8_0 blocks of 34 bytes, row_bytes apart); rows at or past valid_rows
// reread the last valid row (their lanes are computed but the caller never stores them).
// act: [blocks][tokens][32] int8 activation codes; act_scales: [blocks][tokens]; act_neg_sums: [blocks][tokens],
// -128 · Σ of the block's codes.
SW_EXPORT void sw_q8_0_rowlanes_vnni(
    const uint8_t* first_row, int64_t row_bytes, int32_t valid_rows, int32_t blocks, const int8_t* act,
    const float* act_scales, const int32_t* act_neg_sums, int32_t tokens, int32_t t0, int32_t t1, float* out)
{
    int64_t off[TILE_ROWS];
    for (int r = 0; r < TILE_ROWS; r++) off[r] = (int64_t)(r < valid_rows ? r : valid_rows - 1) * row_bytes;
    for (int32_t t = t0; t < t1; t += MAX_GROUP)
    {
        int n = t1 - t < MAX_GROUP ? t1 - t : MAX_GROUP;
        // Only the first group streams the rows in from memory; later groups find them in L2.
        int prefetch = t == t0;
        float* o = out + (int64_t)(t - t0) * TILE_ROWS;
        switch (n)
        {
#define SW_GROUP(N) case N: tile_group(first_row, off, blocks, act, act_scales, act_neg_sums, tokens, t, N, prefetch, o); break;
            SW_GROUP(1) SW_GROUP(2) SW_GROUP(3) SW_GROUP(4) SW_GROUP(5) SW_GROUP(6) SW_GROUP(7) SW_GROUP(8)
            SW_GROUP(9) SW_GROUP(10) SW_GROUP(11) SW_GROUP(12) SW_GROUP(13) SW_GROUP(14) SW_GROUP(15) SW_GROUP(16)
#undef SW_GROUP
        }
    }
}

// The Q8_0 and Q4_0 decode GEMV (one token): y[r] = (or +=) row r · x, x quantized to int8 blocks of 32 (codes, one
// scale per block). vpdpbusd multiplies unsigned by signed bytes, so the weights go in unsigned (Q4_0's nibbles as they
// are, Q8_0's codes + 128) and every int32 lane starts at -bias · Σ of its four activation codes (bias 8 or 128), which
// takes the offset back out before the block's two scales apply. Two blocks per 512-bit step; four rows at a time, one
// from each quarter of the slice, as in the fp16 GEMV, so each core reads four sequential streams.
enum { Q8_0_BYTES = 34, Q4_0_BYTES = 18, QGEMV_ROWS = 4 };

// neg[k] = -bias · (x[4k] + x[4k+1] + x[4k+2] + x[4k+3]) for the blocks' 8 lanes each.
static inline __attribute__((always_inline)) void lane_offsets(const int8_t* x, int32_t blocks, int32_t bias, int32_t* neg)
{
    const __m512i ones = _mm512_set1_epi8(1);
    const __m512i scale = _mm512_set1_epi32(-bias);
    int32_t b = 0;
    for (; b + 2 <= blocks; b += 2)
        _mm512_storeu_si512(neg + b * 8, _mm512_mullo_epi32(_mm512_dpbusd_epi32(_mm512_setzero_si512(), ones, _mm512_loadu_si512(x + b * 32)), scale));
    if (b < blocks)
        _mm256_storeu_si256((__m256i*)(neg + b * 8), _mm256_mullo_epi32(_mm256_dpbusd_epi32(_mm256_setzero_si256(), _mm512_castsi512_si256(ones),
                                                                                           _mm256_loadu_si256((const __m256i*)(x + b * 32))),
                                                                         _mm512_castsi512_si256(scale)));
}

// Two consecutive blocks' weights as 64 unsigned bytes in activation order: block 0's codes 0-31, then block 1's.
static inline __attribute__((always_inline)) __m512i weights2(const uint8_t* blk, int q4)
{
    if (q4)
    {
        // Bytes j of a Q4_0 block hold codes j (low nibble) and j + 16 (high): each block's 16 bytes go in twice, the
        // second copy shifted down four bits.
        __m512i t = _mm512_mask_broadcast_i32x4(_mm512_broadcast_i32x4(_mm_loadu_si128((const __m128i*)(blk + 2))), 0xFF00,
                                                _mm_loadu_si128((const __m128i*)(blk + Q4_0_BYTES + 2)));
        const __m512i shifts = _mm512_setr_epi64(0, 0, 0x0004000400040004LL, 0x0004000400040004LL, 0, 0, 0x0004000400040004LL, 0x0004000400040004LL);
        return _mm512_and_si512(_mm512_srlv_epi16(t, shifts), _mm512_set1_epi8(0x0F));
    }
    __m512i t = _mm512_inserti64x4(_mm512_castsi256_si512(_mm256_loadu_si256((const __m256i*)(blk + 2))),
                                   _mm256_loadu_si256((const __m256i*)(blk + Q8_0_BYTES + 2)), 1);
    return _mm512_xor_si512(t, _mm512_set1_epi8((char)0x80));
}

// One block's weights as 32 unsigned bytes (the odd block at the end of a row).
static inline __attribute__((always_inline)) __m256i weights1(const uint8_t* blk, int q4)
{
    if (q4)
    {
        __m128i v = _mm_loadu_si128((const __m128i*)(blk + 2));
        __m256i t = _mm256_inserti128_si256(_mm256_castsi128_si256(v), _mm_srli_epi16(v, 4), 1);
        return _mm256_and_si256(t, _mm256_set1_epi8(0x0F));
    }
    return _mm256_xor_si256(_mm256_loadu_si256((const __m256i*)(blk + 2)), _mm256_set1_epi8((char)0x80));
}

// The fp16 scales of blocks at p and p + block_bytes as eight lanes each.
static inline __attribute__((always_inline)) __m512 scales2(const uint8_t* p, int block_bytes)
{
    __m256i h = _mm256_inserti128_si256(_mm256_castsi128_si256(_mm_set1_epi16(*(const int16_t*)p)), _mm_set1_epi16(*(const int16_t*)(p + block_bytes)), 1);
    return _mm512_cvtph_ps(h);
}

static inline __attribute__((always_inline)) void quant_rows4(const uint8_t* const* rows, int32_t blocks, int q4, const int8_t* x, const float* xs,
                                                              const int32_t* neg, float* const* y, int32_t accumulate)
{
    const int bb = q4 ? Q4_0_BYTES : Q8_0_BYTES;
    __m512 acc[QGEMV_ROWS];
    for (int k = 0; k < QGEMV_ROWS; k++) acc[k] = _mm512_setzero_ps();
    int32_t b = 0;
    for (; b + 2 <= blocks; b += 2)
    {
        __m512i xv = _mm512_loadu_si512(x + b * 32), start = _mm512_loadu_si512(neg + b * 8);
        __m512 xscale = _mm512_mask_blend_ps(0xFF00, _mm512_set1_ps(xs[b]), _mm512_set1_ps(xs[b + 1]));
        for (int k = 0; k < QGEMV_ROWS; k++)
        {
            const uint8_t* p = rows[k] + (int64_t)b * bb;
            __m512i dot = _mm512_dpbusd_epi32(start, weights2(p, q4), xv);
            acc[k] = _mm512_fmadd_ps(_mm512_cvtepi32_ps(dot), _mm512_mul_ps(scales2(p, bb), xscale), acc[k]);
        }
    }
    float tail[QGEMV_ROWS] = { 0 };
    if (b < blocks)
    {
        __m256i xv = _mm256_loadu_si256((const __m256i*)(x + b * 32)), start = _mm256_loadu_si256((const __m256i*)(neg + b * 8));
        for (int k = 0; k < QGEMV_ROWS; k++)
        {
            const uint8_t* p = rows[k] + (int64_t)b * bb;
            __m256 dot = _mm256_cvtepi32_ps(_mm256_dpbusd_epi32(start, weights1(p, q4), xv));
            tail[k] = _cvtsh_ss(*(const uint16_t*)p) * xs[b] * _mm512_reduce_add_ps(_mm512_zextps256_ps512(dot));
        }
    }
    for (int k = 0; k < QGEMV_ROWS; k++)
    {
        float sum = _mm512_reduce_add_ps(acc[k]) + tail[k];
        *y[k] = accumulate ? *y[k] + sum : sum;
    }
}

// y[r] = (or +=) row r · x for rows [0, rows) of a Q8_0 (q4 = 0) or Q4_0 (q4 = 1) slice; x: blocks·32 int8 codes, xs
// their per-block scales. The rows % 4 left after the quarters go in one more call whose unused stream slots reread
// the first of them and store into a spare.
SW_EXPORT void sw_quant_gemv_rows(const uint8_t* w, int64_t row_bytes, int32_t rows, int32_t blocks, int32_t q4, const int8_t* x,
                                  const float* xs, float* y, int32_t accumulate)
{
    int32_t neg[blocks * 8 + 16];
    lane_offsets(x, blocks, q4 ? 8 : 128, neg);
    int32_t quarter = rows / QGEMV_ROWS;
    const uint8_t* p[QGEMV_ROWS];
    float* out[QGEMV_ROWS];
    for (int32_t r = 0; r < quarter; r++)
    {
        for (int k = 0; k < QGEMV_ROWS; k++)
        {
            p[k] = w + (int64_t)(r + k * quarter) * row_bytes;
            out[k] = y + r + k * quarter;
        }
        if (q4) quant_rows4(p, blocks, 1, x, xs, neg, out, accumulate);
        else quant_rows4(p, blocks, 0, x, xs, neg, out, accumulate);
    }
    float spare[QGEMV_ROWS] = { 0 };
    for (int32_t r = QGEMV_ROWS * quarter; r < rows; r += QGEMV_ROWS)
    {
        // The last rows % 4: one call with the missing streams pointed at the first of them, results dropped.
        for (int k = 0; k < QGEMV_ROWS; k++)
        {
            int live = r + k < rows;
            p[k] = w + (int64_t)(live ? r + k : r) * row_bytes;
            out[k] = live ? y + r + k : spare + k;
        }
        if (q4) quant_rows4(p, blocks, 1, x, xs, neg, out, accumulate);
        else quant_rows4(p, blocks, 0, x, xs, neg, out, accumulate);
    }
}

#pragma GCC pop_options

// The fp16 decode GEMV: y[r] = (or +=) row r · x for rows [0, rows). .NET has no fp16→fp32 conversion instruction
// (vcvtph2ps), so the managed GEMV converts in about seven integer and float operations per 16 values and runs out of
// issue slots near 28 GB/s; here it is one instruction and the loop runs at memory speed.
//
// Rows go four at a time, one from each quarter of the slice, so each core reads four sequential streams instead of
// one. One stream per core left this machine's memory short of its bandwidth: in a two-core C test over 512 MB of
// weights, rows one after another drew 29 GB/s, four quarter-streams 33-34 GB/s, at 768 to 32000 rows of 768
// columns (a plain four-stream read: 34 GB/s). Streams switched row by row instead of 64 bytes at a time drew 26.
#pragma GCC push_options
#pragma GCC target("avx512f,f16c,fma")

static inline __attribute__((always_inline)) __m512 f16_load(const uint16_t* p)
{
    return _mm512_cvtph_ps(_mm256_loadu_si256((const __m256i*)p));
}

static inline __attribute__((always_inline)) void f16_store(float* y, float sum, int32_t accumulate)
{
    *y = accumulate ? *y + sum : sum;
}

// One row: four 64-value chains, then 16-value steps into the first, then a scalar tail (MatMul.DotF16's order).
static inline void f16_row(const uint16_t* h, int32_t cols, const float* x, float* y, int32_t accumulate)
{
    __m512 s0 = _mm512_setzero_ps(), s1 = _mm512_setzero_ps(), s2 = _mm512_setzero_ps(), s3 = _mm512_setzero_ps();
    int32_t i = 0;
    for (; i + 64 <= cols; i += 64)
    {
        s0 = _mm512_fmadd_ps(f16_load(h + i), _mm512_loadu_ps(x + i), s0);
        s1 = _mm512_fmadd_ps(f16_load(h + i + 16), _mm512_loadu_ps(x + i + 16), s1);
        s2 = _mm512_fmadd_ps(f16_load(h + i + 32), _mm512_loadu_ps(x + i + 32), s2);
        s3 = _mm512_fmadd_ps(f16_load(h + i + 48), _mm512_loadu_ps(x + i + 48), s3);
    }
    for (; i + 16 <= cols; i += 16) s0 = _mm512_fmadd_ps(f16_load(h + i), _mm512_loadu_ps(x + i), s0);
    float sum = _mm512_reduce_add_ps(_mm512_add_ps(_mm512_add_ps(s0, s1), _mm512_add_ps(s2, s3)));
    for (; i < cols; i++) sum += _cvtsh_ss(h[i]) * x[i];
    f16_store(y, sum, accumulate);
}

// Four rows (h[k], k < 4) side by side, each summed in exactly f16_row's order (so a row's result does not depend on
// whether a slice put it in a quad): four 64-value chains per row, each x chunk loaded once for the four rows.
static inline void f16_rows4(const uint16_t* const* h, int32_t cols, const float* x, float* const* y, int32_t accumulate)
{
    __m512 a[4][4];
    for (int k = 0; k < 4; k++) a[k][0] = a[k][1] = a[k][2] = a[k][3] = _mm512_setzero_ps();
    int32_t i = 0;
    for (; i + 64 <= cols; i += 64)
    {
        __m512 x0 = _mm512_loadu_ps(x + i), x1 = _mm512_loadu_ps(x + i + 16);
        __m512 x2 = _mm512_loadu_ps(x + i + 32), x3 = _mm512_loadu_ps(x + i + 48);
#pragma GCC unroll 4
        for (int k = 0; k < 4; k++)
        {
            a[k][0] = _mm512_fmadd_ps(f16_load(h[k] + i), x0, a[k][0]);
            a[k][1] = _mm512_fmadd_ps(f16_load(h[k] + i + 16), x1, a[k][1]);
            a[k][2] = _mm512_fmadd_ps(f16_load(h[k] + i + 32), x2, a[k][2]);
            a[k][3] = _mm512_fmadd_ps(f16_load(h[k] + i + 48), x3, a[k][3]);
        }
    }
    for (; i + 16 <= cols; i += 16)
    {
        __m512 x0 = _mm512_loadu_ps(x + i);
        for (int k = 0; k < 4; k++) a[k][0] = _mm512_fmadd_ps(f16_load(h[k] + i), x0, a[k][0]);
    }
    for (int k = 0; k < 4; k++)
    {
        float sum = _mm512_reduce_add_ps(_mm512_add_ps(_mm512_add_ps(a[k][0], a[k][1]), _mm512_add_ps(a[k][2], a[k][3])));
        for (int32_t j = i; j < cols; j++) sum += _cvtsh_ss(h[k][j]) * x[j];
        f16_store(y[k], sum, accumulate);
    }
}

SW_EXPORT void sw_f16_gemv_rows(const uint8_t* w, int64_t row_bytes, int32_t rows, int32_t cols, const float* x, float* y, int32_t accumulate)
{
    int32_t quarter = rows / 4;
    for (int32_t r = 0; r < quarter; r++)
    {
        const uint16_t* h[4];
        float* out[4];
        for (int k = 0; k < 4; k++)
        {
            h[k] = (const uint16_t*)(w + (int64_t)(r + k * quarter) * row_bytes);
            out[k] = y + r + k * quarter;
        }
        f16_rows4(h, cols, x, out, accumulate);
    }
    for (int32_t r = 4 * quarter; r < rows; r++) f16_row((const uint16_t*)(w + (int64_t)r * row_bytes), cols, x, y + r, accumulate);
}

// The fp16 GEMV for a few tokens (batched decode): y[t·y_stride + r] = (or +=) row r · x[t·cols ..] for t < n. Two rows
// at a time against up to eight tokens: each 16-value piece of a row is widened once and feeds every token, and each
// token's piece feeds both rows, so the loop runs on FMAs rather than on conversions or loads. The last cols % 16 go
// through the same arithmetic zero-padded.
enum { F16_MULTI_TOKENS = 8 };

// One 16-value piece of each row against every token: acc[k][t] += w_k · x_t. A macro rather than a function: passed by
// pointer, the accumulators went through the stack on every piece.
#define SW_F16_PIECE(X, LIVE)                                                                \
    _Pragma("GCC unroll 8") for (int t = 0; t < F16_MULTI_TOKENS; t++) if (t < n)             \
    {                                                                                        \
        __m512 xv = _mm512_maskz_loadu_ps((LIVE), (X) + (int64_t)t * cols);                  \
        acc0[t] = _mm512_fmadd_ps(w0, xv, acc0[t]);                                          \
        if (nr == 2) acc1[t] = _mm512_fmadd_ps(w1, xv, acc1[t]);                             \
    }

static inline __attribute__((always_inline)) void f16_multi(const uint16_t* const* rows, int nr, int32_t cols, const float* x, int n,
                                                            float* const* y, int64_t y_stride, int32_t accumulate)
{
    __m512 acc0[F16_MULTI_TOKENS], acc1[F16_MULTI_TOKENS];
#pragma GCC unroll 8
    for (int t = 0; t < F16_MULTI_TOKENS; t++) acc0[t] = acc1[t] = _mm512_setzero_ps();
    __m512 w0, w1 = _mm512_setzero_ps();
    int32_t c = 0;
    for (; c + 16 <= cols; c += 16)
    {
        w0 = f16_load(rows[0] + c);
        if (nr == 2) w1 = f16_load(rows[1] + c);
        SW_F16_PIECE(x + c, 0xFFFF)
    }
    if (c < cols)
    {
        // The rows' last cols % 16 values, zero-padded (a 16-bit masked load would need AVX-512 BW).
        uint16_t tail[2][16] = { { 0 } };
        for (int k = 0; k < nr; k++)
            for (int32_t i = 0; i < cols - c; i++) tail[k][i] = rows[k][c + i];
        w0 = f16_load(tail[0]);
        w1 = f16_load(tail[1]);
        SW_F16_PIECE(x + c, (__mmask16)((1u << (cols - c)) - 1))
    }
    for (int t = 0; t < n; t++)
    {
        float s0 = _mm512_reduce_add_ps(acc0[t]);
        float* o0 = y[0] + t * y_stride;
        *o0 = accumulate ? *o0 + s0 : s0;
        if (nr == 2)
        {
            float s1 = _mm512_reduce_add_ps(acc1[t]);
            float* o1 = y[1] + t * y_stride;
            *o1 = accumulate ? *o1 + s1 : s1;
        }
    }
}
#undef SW_F16_PIECE

// The row and token counts as constants, so that the accumulators stay in registers.
static inline __attribute__((always_inline)) void f16_multi_n(const uint16_t* const* rows, int nr, int32_t cols, const float* x, int n,
                                                              float* const* y, int64_t y_stride, int32_t accumulate)
{
#define SW_TOKENS(N) case N: if (nr == 2) f16_multi(rows, 2, cols, x, N, y, y_stride, accumulate); else f16_multi(rows, 1, cols, x, N, y, y_stride, accumulate); break;
    switch (n) { SW_TOKENS(1) SW_TOKENS(2) SW_TOKENS(3) SW_TOKENS(4) SW_TOKENS(5) SW_TOKENS(6) SW_TOKENS(7) SW_TOKENS(8) }
#undef SW_TOKENS
}

// y[t·y_stride + r] = (or +=) row r · x_t for rows [0, rows) of an fp16 slice and tokens t < n, x_t = x + t·cols.
SW_EXPORT void sw_f16_gemv_tokens(const uint8_t* w, int64_t row_bytes, int32_t rows, int32_t cols, const float* x, int32_t n,
                                  float* y, int64_t y_stride, int32_t accumulate)
{
    for (int32_t r = 0; r < rows; r += 2)
    {
        int nr = rows - r >= 2 ? 2 : 1;
        const uint16_t* p[2] = { (const uint16_t*)(w + (int64_t)r * row_bytes), (const uint16_t*)(w + (int64_t)(r + nr - 1) * row_bytes) };
        for (int32_t t = 0; t < n; t += F16_MULTI_TOKENS)
        {
            float* out[2] = { y + (int64_t)t * y_stride + r, y + (int64_t)t * y_stride + r + nr - 1 };
            int count = n - t < F16_MULTI_TOKENS ? n - t : F16_MULTI_TOKENS;
            f16_multi_n(p, nr, cols, x + (int64_t)t * cols, count, out, y_stride, accumulate);
        }
    }
}

// dst[i] = src[i] widened, for i < count: an fp16 KV tile for the managed attention, one instruction per 16 values where
// the managed conversion takes about seven.
SW_EXPORT void sw_f16_to_f32(const uint16_t* src, float* dst, int32_t count)
{
    int32_t i = 0;
    for (; i + 16 <= count; i += 16) _mm512_storeu_ps(dst + i, f16_load(src + i));
    for (; i < count; i++) dst[i] = _cvtsh_ss(src[i]);
}

#pragma GCC pop_options

// Decode attention: one query token per sequence, fp32 or fp16 KV in 16-slot blocks laid out [block][kvHead][slot][d],
// d a multiple of 16. Replaces PagedAttention's managed decode path where this library loads. One pass over the blocks:
// each block's K and V are used together (an online softmax per head), so a thread reads K and V as two streams front
// to back; each K row is widened once and serves every query head of its group; fp16 values are widened in the FMA's
// operand (vcvtph2ps, which .NET lacks).
#pragma GCC push_options
#pragma GCC target("avx512f,avx512dq,f16c,fma")

enum { ATT_SLOTS = 16, ATT_GROUP_STEP = 4, ATT_AHEAD_BLOCKS = 2, ATT_PREFETCH_STRIDE = 2048 };

// e^x for x <= 0 (the softmax's shifted scores): VectorExp.NonPositive's range reduction and polynomial.
static inline __attribute__((always_inline)) __m512 exp_nonpositive(__m512 x)
{
    const __m512 smallest = _mm512_set1_ps(-87.33654f);
    __mmask16 under = _mm512_cmp_ps_mask(x, smallest, _CMP_LT_OQ);
    x = _mm512_max_ps(x, smallest);
    __m512 n = _mm512_roundscale_ps(_mm512_mul_ps(x, _mm512_set1_ps(1.44269504088896341f)), _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC);
    __m512 r = _mm512_fmadd_ps(n, _mm512_set1_ps(-0.693359375f), x);
    r = _mm512_fmadd_ps(n, _mm512_set1_ps(2.12194440e-4f), r);
    __m512 p = _mm512_set1_ps(1.9875691500e-4f);
    p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(1.3981999507e-3f));
    p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(8.3334519073e-3f));
    p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(4.1665795894e-2f));
    p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(1.6666665459e-1f));
    p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(5.0000001201e-1f));
    __m512 er = _mm512_add_ps(_mm512_fmadd_ps(p, _mm512_mul_ps(r, r), r), _mm512_set1_ps(1.0f));
    __m512i two_n = _mm512_slli_epi32(_mm512_add_epi32(_mm512_cvtps_epi32(n), _mm512_set1_epi32(127)), 23);
    return _mm512_maskz_mul_ps(~under, er, _mm512_castsi512_ps(two_n));
}

static inline __attribute__((always_inline)) __m512 kv_load(const uint8_t* p, int f16)
{
    return f16 ? f16_load((const uint16_t*)p) : _mm512_loadu_ps((const float*)p);
}

// Positions of tile b that the context reaches: 16 but in its last tile.
static inline __attribute__((always_inline)) int tile_slots(int32_t context, int b)
{
    return context - b * ATT_SLOTS < ATT_SLOTS ? context - b * ATT_SLOTS : ATT_SLOTS;
}

// One request per 2 KB of a block. It starts the hardware prefetcher on each stream early; requesting every line
// cost more than it saved (a two-core C test of one cold layer, 512 positions: 34-36 µs against 20-22).
static inline __attribute__((always_inline)) void prefetch_block(const uint8_t* p, int64_t bytes)
{
    for (int64_t o = 0; o < bytes; o += ATT_PREFETCH_STRIDE) _mm_prefetch((const char*)p + o, _MM_HINT_T1);
}

// Four registers of per-slot products → one whose 128-bit lane j holds slot j's partial sums.
static inline __attribute__((always_inline)) __m512 fold4(__m512 a0, __m512 a1, __m512 a2, __m512 a3)
{
    __m512 ab = _mm512_add_ps(_mm512_unpacklo_ps(a0, a1), _mm512_unpackhi_ps(a0, a1));
    __m512 ce = _mm512_add_ps(_mm512_unpacklo_ps(a2, a3), _mm512_unpackhi_ps(a2, a3));
    return _mm512_add_ps(_mm512_shuffle_ps(ab, ce, 0x44), _mm512_shuffle_ps(ab, ce, 0xEE));
}

// Four folds of four slots each → the 16 slots' sums in slot order.
static inline __attribute__((always_inline)) __m512 fold16(__m512 q0, __m512 q1, __m512 q2, __m512 q3)
{
    __m512 y01 = _mm512_add_ps(_mm512_shuffle_f32x4(q0, q1, 0x88), _mm512_shuffle_f32x4(q0, q1, 0xDD));
    __m512 y23 = _mm512_add_ps(_mm512_shuffle_f32x4(q2, q3, 0x88), _mm512_shuffle_f32x4(q2, q3, 0xDD));
    return _mm512_add_ps(_mm512_shuffle_f32x4(y01, y23, 0x88), _mm512_shuffle_f32x4(y01, y23, 0xDD));
}

// scores[h·16 + slot] = q_h·k[slot]·scale for n (<= 4) query heads of one KV head against one tile; slots from `valid`
// on are -inf. Each K row is loaded (and widened) once for all n heads; each slot's products sit in one register's
// lanes and fold sixteen slots into one register, with no horizontal sum per slot.
static inline __attribute__((always_inline)) void tile_scores(const float* q, const uint8_t* k, int d, int f16, int n, int valid,
                                                              float scale, float* scores)
{
    int eb = f16 ? 2 : 4;
    __m512 quads[ATT_GROUP_STEP][4];
    for (int j = 0; j < 4; j++)
    {
        __m512 a[ATT_GROUP_STEP][4];
        for (int t = 0; t < 4; t++)
        {
            const uint8_t* row = k + (int64_t)(4 * j + t) * d * eb;
            for (int h = 0; h < ATT_GROUP_STEP; h++) a[h][t] = _mm512_setzero_ps();
            for (int c = 0; c < d; c += 16)
            {
                __m512 key = kv_load(row + c * eb, f16);
                for (int h = 0; h < ATT_GROUP_STEP; h++)
                    if (h < n) a[h][t] = _mm512_fmadd_ps(_mm512_loadu_ps(q + h * d + c), key, a[h][t]);
            }
        }
        for (int h = 0; h < ATT_GROUP_STEP; h++)
            if (h < n) quads[h][j] = fold4(a[h][0], a[h][1], a[h][2], a[h][3]);
    }
    __mmask16 live = valid >= ATT_SLOTS ? 0xFFFF : (__mmask16)((1u << valid) - 1);
    for (int h = 0; h < ATT_GROUP_STEP; h++)
        if (h < n)
            _mm512_storeu_ps(scores + h * ATT_SLOTS, _mm512_mask_mul_ps(_mm512_set1_ps(-__builtin_inff()), live,
                                                                        fold16(quads[h][0], quads[h][1], quads[h][2], quads[h][3]), _mm512_set1_ps(scale)));
}

// The head count as a constant, so that the accumulators of tile_scores stay in registers.
static inline __attribute__((always_inline)) void tile_scores_n(const float* q, const uint8_t* k, int d, int f16, int n, int valid,
                                                                float scale, float* scores)
{
    if (n == 4) tile_scores(q, k, d, f16, 4, valid, scale, scores);
    else if (n == 3) tile_scores(q, k, d, f16, 3, valid, scale, scores);
    else if (n == 2) tile_scores(q, k, d, f16, 2, valid, scale, scores);
    else tile_scores(q, k, d, f16, 1, valid, scale, scores);
}

// o[h] = o[h]·correction[h] + Σ_slot w[h·16 + slot]·V[slot] over the tile's first `rows` slots, for n (<= 4) heads of
// one KV head, 64 columns at a time with every head's columns in registers; V rows widened in registers.
static inline __attribute__((always_inline)) void tile_values(const uint8_t* tile, int rows, int d, int f16, const float* w, int n,
                                                              const float* correction, float* o)
{
    int eb = f16 ? 2 : 4, row_bytes = d * eb;
    for (int c = 0; c < d; c += 64)
    {
        int width = d - c >= 64 ? 4 : (d - c) / 16;
        __m512 acc[ATT_GROUP_STEP][4];
        for (int h = 0; h < ATT_GROUP_STEP; h++)
            for (int k = 0; k < 4; k++)
                acc[h][k] = h < n && k < width ? _mm512_mul_ps(_mm512_loadu_ps(o + h * d + c + 16 * k), _mm512_set1_ps(correction[h])) : _mm512_setzero_ps();
        const uint8_t* row = tile + c * eb;
        for (int r = 0; r < rows; r++, row += row_bytes)
        {
            __m512 v0 = kv_load(row, f16);
            __m512 v1 = width > 1 ? kv_load(row + 16 * eb, f16) : v0;
            __m512 v2 = width > 2 ? kv_load(row + 32 * eb, f16) : v0;
            __m512 v3 = width > 3 ? kv_load(row + 48 * eb, f16) : v0;
            for (int h = 0; h < ATT_GROUP_STEP; h++)
            {
                if (h >= n) break;
                __m512 p = _mm512_set1_ps(w[h * ATT_SLOTS + r]);
                acc[h][0] = _mm512_fmadd_ps(p, v0, acc[h][0]);
                if (width > 1) acc[h][1] = _mm512_fmadd_ps(p, v1, acc[h][1]);
                if (width > 2) acc[h][2] = _mm512_fmadd_ps(p, v2, acc[h][2]);
                if (width > 3) acc[h][3] = _mm512_fmadd_ps(p, v3, acc[h][3]);
            }
        }
        for (int h = 0; h < n; h++)
            for (int k = 0; k < width; k++) _mm512_storeu_ps(o + h * d + c + 16 * k, acc[h][k]);
    }
}

// Decode attention of one query token against tiles [t0, t1) of its block table, every KV head, block by block: the
// block's scores for all heads, then per head the new running maximum, the old output's correction and the block's
// weights, then the block's values. Leaves, for each query head h (= kvHead·group + g), the unnormalized output o[h·d ..],
// its maximum score m[h] and weight sum s[h]; chunks of one sequence merge in the caller. scratch: heads·17 floats.
static inline __attribute__((always_inline)) void attend_decode(const float* q, const uint8_t* keys, const uint8_t* values, const int32_t* table,
                                                                int32_t t0, int32_t t1, int32_t context, int32_t kv_heads, int32_t group, int d, int32_t f16,
                                                                float scale, float* o, float* m, float* s, float* scratch)
{
    int eb = f16 ? 2 : 4, heads = kv_heads * group;
    int64_t tile_bytes = (int64_t)ATT_SLOTS * d * eb, block_bytes = tile_bytes * kv_heads;
    float* w = scratch;                                  // [heads][16]: the block's scores, then its weights
    float* correction = scratch + heads * ATT_SLOTS;     // [heads]
    for (int h = 0; h < heads; h++)
    {
        m[h] = -__builtin_inff();
        s[h] = 0;
        for (int c = 0; c < d; c++) o[h * d + c] = 0;
    }
    for (int b = t0; b < t0 + ATT_AHEAD_BLOCKS && b < t1; b++)
    {
        prefetch_block(keys + table[b] * block_bytes, block_bytes);
        prefetch_block(values + table[b] * block_bytes, block_bytes);
    }
    for (int b = t0; b < t1; b++)
    {
        int valid = tile_slots(context, b);
        const uint8_t* block_keys = keys + table[b] * block_bytes;
        const uint8_t* block_values = values + table[b] * block_bytes;
        if (b + ATT_AHEAD_BLOCKS < t1)
        {
            prefetch_block(keys + table[b + ATT_AHEAD_BLOCKS] * block_bytes, block_bytes);
            prefetch_block(values + table[b + ATT_AHEAD_BLOCKS] * block_bytes, block_bytes);
        }
        for (int kh = 0; kh < kv_heads; kh++)
            for (int g0 = 0; g0 < group; g0 += ATT_GROUP_STEP)
            {
                int h = kh * group + g0, n = group - g0 < ATT_GROUP_STEP ? group - g0 : ATT_GROUP_STEP;
                tile_scores_n(q + h * d, block_keys + kh * tile_bytes, d, f16, n, valid, scale, w + h * ATT_SLOTS);
            }
        for (int h = 0; h < heads; h++)
        {
            __m512 scores = _mm512_loadu_ps(w + h * ATT_SLOTS);
            float old = m[h], block_max = _mm512_reduce_max_ps(scores), max = old > block_max ? old : block_max;
            __m512 e = exp_nonpositive(_mm512_sub_ps(scores, _mm512_set1_ps(max)));
            _mm512_storeu_ps(w + h * ATT_SLOTS, e);
            float factor = old == max ? 1.0f : _mm512_cvtss_f32(exp_nonpositive(_mm512_set1_ps(old - max)));
            correction[h] = factor;
            m[h] = max;
            s[h] = s[h] * factor + _mm512_reduce_add_ps(e);
        }
        for (int kh = 0; kh < kv_heads; kh++)
            for (int g0 = 0; g0 < group; g0 += ATT_GROUP_STEP)
            {
                int h = kh * group + g0, n = group - g0 < ATT_GROUP_STEP ? group - g0 : ATT_GROUP_STEP;
                tile_values(block_values + kh * tile_bytes, valid, d, f16, w + h * ATT_SLOTS, n, correction + h, o + h * d);
            }
    }
}

SW_EXPORT void sw_attend_decode(const float* q, const uint8_t* keys, const uint8_t* values, const int32_t* table, int32_t t0, int32_t t1,
                                int32_t context, int32_t kv_heads, int32_t group, int32_t d, int32_t f16, float scale,
                                float* o, float* m, float* s, float* scratch)
{
    if (d == 64) attend_decode(q, keys, values, table, t0, t1, context, kv_heads, group, 64, f16, scale, o, m, s, scratch);
    else if (d == 128) attend_decode(q, keys, values, table, t0, t1, context, kv_heads, group, 128, f16, scale, o, m, s, scratch);
    else attend_decode(q, keys, values, table, t0, t1, context, kv_heads, group, d, f16, scale, o, m, s, scratch);
}
#pragma GCC pop_options
