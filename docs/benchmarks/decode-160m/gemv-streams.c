// The C test of fp16 GEMV access patterns behind decode-160m/README.md: two threads, fp16 GEMVs over 512 MB of matrices.
// gcc -O3 -march=native -pthread -o gemv gemv-streams.c; ./gemv REPS ROWS,COLS,CHUNKS,PF,HUGE,NEXTPF,KIND ...
// KIND: 0 rows one after another, 1 plain read, 2 plain 4-stream read, 3 streams switched row by row, 4 four quarter-streams.
// CHUNKS: 0 static halves, N equal chunks claimed from a counter.
#define _GNU_SOURCE
#include <immintrin.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>

static int ROWS, COLS, PF, NEXTPF, MATS, ITERS, CHUNKS, KIND;
static uint8_t* W;
static float* X;
static float* Y;
static atomic_int barrier_count, barrier_gen;
static atomic_int next_chunk[4096];

static double now() { struct timespec t; clock_gettime(CLOCK_MONOTONIC, &t); return t.tv_sec + t.tv_nsec * 1e-9; }

static void barrier(int nthreads)
{
    int gen = atomic_load(&barrier_gen);
    if (atomic_fetch_add(&barrier_count, 1) == nthreads - 1)
    {
        atomic_store(&barrier_count, 0);
        atomic_fetch_add(&barrier_gen, 1);
    }
    else
        while (atomic_load(&barrier_gen) == gen) _mm_pause();
}

static void rows(const uint8_t* w, int64_t rb, int r0, int r1, const float* x, float* y, const uint8_t* end)
{
    for (int r = r0; r < r1; r++)
    {
        const uint16_t* h = (const uint16_t*)(w + (int64_t)r * rb);
        if (PF)
        {
            const uint8_t* p = (const uint8_t*)h + PF;
            for (int b = 0; b < rb; b += 64)
                if (p + b < end) _mm_prefetch((const char*)(p + b), _MM_HINT_T0);
        }
        if (KIND == 1)
        {
            __m512i a = _mm512_setzero_si512(), b = a;
            for (int i = 0; i < COLS; i += 64) { a = _mm512_add_epi32(a, _mm512_loadu_si512(h + i)); b = _mm512_add_epi32(b, _mm512_loadu_si512(h + i + 32)); }
            y[r] = (float)_mm512_reduce_add_epi32(_mm512_add_epi32(a, b));
            continue;
        }
        __m512 s0 = _mm512_setzero_ps(), s1 = s0, s2 = s0, s3 = s0;
        int i = 0;
        for (; i + 64 <= COLS; i += 64)
        {
            s0 = _mm512_fmadd_ps(_mm512_cvtph_ps(_mm256_loadu_si256((const __m256i*)(h + i))), _mm512_loadu_ps(x + i), s0);
            s1 = _mm512_fmadd_ps(_mm512_cvtph_ps(_mm256_loadu_si256((const __m256i*)(h + i + 16))), _mm512_loadu_ps(x + i + 16), s1);
            s2 = _mm512_fmadd_ps(_mm512_cvtph_ps(_mm256_loadu_si256((const __m256i*)(h + i + 32))), _mm512_loadu_ps(x + i + 32), s2);
            s3 = _mm512_fmadd_ps(_mm512_cvtph_ps(_mm256_loadu_si256((const __m256i*)(h + i + 48))), _mm512_loadu_ps(x + i + 48), s3);
        }
        y[r] = _mm512_reduce_add_ps(_mm512_add_ps(_mm512_add_ps(s0, s1), _mm512_add_ps(s2, s3)));
    }
}

static void rows4(const uint8_t* w, int64_t rb, int r, int q, const float* x, float* y)
{
    const uint16_t* h0 = (const uint16_t*)(w + (int64_t)r * rb);
    const uint16_t* h1 = (const uint16_t*)(w + (int64_t)(r + q) * rb);
    const uint16_t* h2 = (const uint16_t*)(w + (int64_t)(r + 2 * q) * rb);
    const uint16_t* h3 = (const uint16_t*)(w + (int64_t)(r + 3 * q) * rb);
    __m512 a0 = _mm512_setzero_ps(), a1 = a0, b0 = a0, b1 = a0, c0 = a0, c1 = a0, d0 = a0, d1 = a0;
    for (int i = 0; i + 32 <= COLS; i += 32)
    {
        __m512 x0 = _mm512_loadu_ps(x + i), x1 = _mm512_loadu_ps(x + i + 16);
        a0 = _mm512_fmadd_ps(_mm512_cvtph_ps(_mm256_loadu_si256((const __m256i*)(h0 + i))), x0, a0);
        a1 = _mm512_fmadd_ps(_mm512_cvtph_ps(_mm256_loadu_si256((const __m256i*)(h0 + i + 16))), x1, a1);
        b0 = _mm512_fmadd_ps(_mm512_cvtph_ps(_mm256_loadu_si256((const __m256i*)(h1 + i))), x0, b0);
        b1 = _mm512_fmadd_ps(_mm512_cvtph_ps(_mm256_loadu_si256((const __m256i*)(h1 + i + 16))), x1, b1);
        c0 = _mm512_fmadd_ps(_mm512_cvtph_ps(_mm256_loadu_si256((const __m256i*)(h2 + i))), x0, c0);
        c1 = _mm512_fmadd_ps(_mm512_cvtph_ps(_mm256_loadu_si256((const __m256i*)(h2 + i + 16))), x1, c1);
        d0 = _mm512_fmadd_ps(_mm512_cvtph_ps(_mm256_loadu_si256((const __m256i*)(h3 + i))), x0, d0);
        d1 = _mm512_fmadd_ps(_mm512_cvtph_ps(_mm256_loadu_si256((const __m256i*)(h3 + i + 16))), x1, d1);
    }
    y[r] = _mm512_reduce_add_ps(_mm512_add_ps(a0, a1));
    y[r + q] = _mm512_reduce_add_ps(_mm512_add_ps(b0, b1));
    y[r + 2 * q] = _mm512_reduce_add_ps(_mm512_add_ps(c0, c1));
    y[r + 3 * q] = _mm512_reduce_add_ps(_mm512_add_ps(d0, d1));
}

static void* worker(void* arg)
{
    int t = (int)(intptr_t)arg;
    int64_t rb = COLS * 2, mb = (int64_t)ROWS * rb;
    for (int it = 0; it < ITERS; it++)
        for (int m = 0; m < MATS; m++)
        {
            const uint8_t* w = W + (int64_t)m * mb;
            const uint8_t* end = w + mb;
            if (CHUNKS == 0)
            {
                int half = ROWS / 2;
                int r0 = t * half, r1 = t ? ROWS : half;
                if (KIND == 2)
                {
                    int64_t part = ((int64_t)(r1 - r0) * rb / 4) & ~127LL;
                    const uint8_t* s = w + (int64_t)r0 * rb;
                    __m512i a = _mm512_setzero_si512(), b = a;
                    for (int64_t o = 0; o < part; o += 128)
                        for (int k = 0; k < 4; k++) { a = _mm512_add_epi32(a, _mm512_loadu_si512(s + k * part + o)); b = _mm512_add_epi32(b, _mm512_loadu_si512(s + k * part + o + 64)); }
                    Y[t] = (float)_mm512_reduce_add_epi32(_mm512_add_epi32(a, b));
                }
                else if (KIND == 3)
                {
                    int q = (r1 - r0) / 4;
                    for (int i = 0; i < q; i++)
                        for (int k = 0; k < 4; k++) rows(w, rb, r0 + k * q + i, r0 + k * q + i + 1, X, Y, end);
                    rows(w, rb, r0 + 4 * q, r1, X, Y, end);
                }
                else if (KIND == 4)
                {
                    int q = (r1 - r0) / 4;
                    for (int i = 0; i < q; i++) rows4(w, rb, r0 + i, q, X, Y);
                    rows(w, rb, r0 + 4 * q, r1, X, Y, end);
                }
                else
                rows(w, rb, r0, r1, X, Y, end);
                if (NEXTPF && m + 1 < MATS)
                {
                    const uint8_t* nw = W + (int64_t)(m + 1) * mb + (int64_t)r0 * rb;
                    for (int b = 0; b < NEXTPF; b += 64) _mm_prefetch((const char*)(nw + b), _MM_HINT_T1);
                }
            }
            else
            {
                int per = (ROWS + CHUNKS - 1) / CHUNKS;
                int idx = it * MATS + m;
                int c;
                while ((c = atomic_fetch_add(&next_chunk[idx % 4096], 1)) < CHUNKS)
                {
                    int r0 = c * per, r1 = (c + 1) * per < ROWS ? (c + 1) * per : ROWS;
                    if (KIND == 4)
                    {
                        int q = (r1 - r0) / 4;
                        for (int i = 0; i < q; i++) rows4(w, rb, r0 + i, q, X, Y);
                        rows(w, rb, r0 + 4 * q, r1, X, Y, end);
                    }
                    else rows(w, rb, r0, r1, X, Y, end);
                }
            }
            barrier(2);
        }
    return NULL;
}


static uint8_t *BUF[2];
static double run1(void)
{
    for (int i = 0; i < 4096; i++) atomic_store(&next_chunk[i], 0);
    pthread_t th;
    double t0 = now();
    pthread_create(&th, NULL, worker, (void*)(intptr_t)1);
    worker((void*)0);
    pthread_join(th, NULL);
    return (double)ROWS * COLS * 2 * MATS / (now() - t0) / 1e9;
}
static int cmp(const void* a, const void* b) { double x = *(double*)a, y = *(double*)b; return x < y ? -1 : x > y; }
int main(int argc, char** argv)
{
    // args: REPS then configs "rows,cols,chunks,pf,huge,nextpf,kind"
    int reps = atoi(argv[1]);
    int64_t total = 512LL << 20;
    for (int h = 0; h < 2; h++)
    {
        BUF[h] = mmap(NULL, total + (4 << 20), PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
        BUF[h] = (uint8_t*)(((uintptr_t)BUF[h] + (2 << 20) - 1) & ~(uintptr_t)((2 << 20) - 1));
        if (h) madvise(BUF[h], total, MADV_HUGEPAGE); else madvise(BUF[h], total, MADV_NOHUGEPAGE);
        for (int64_t i = 0; i < total; i += 2) *(uint16_t*)(BUF[h] + i) = 0x3c00 + (i & 0xff);
    }
    X = aligned_alloc(64, 16384 * 4); for (int i = 0; i < 16384; i++) X[i] = 0.001f * i;
    Y = aligned_alloc(64, 65536 * 4);
    int n = argc - 2;
    double res[64][64];
    for (int rep = 0; rep < reps; rep++)
        for (int c = 0; c < n; c++)
        {
            int huge;
            sscanf(argv[c + 2], "%d,%d,%d,%d,%d,%d,%d", &ROWS, &COLS, &CHUNKS, &PF, &huge, &NEXTPF, &KIND);
            W = BUF[huge];
            MATS = (int)(total / ((int64_t)ROWS * COLS * 2));
            ITERS = 1;
            res[c][rep] = run1();
        }
    for (int c = 0; c < n; c++)
    {
        qsort(res[c], reps, sizeof(double), cmp);
        printf("%-28s median %.1f GB/s  (min %.1f max %.1f)\n", argv[c + 2], res[c][reps / 2], res[c][0], res[c][reps - 1]);
    }
    return 0;
}
