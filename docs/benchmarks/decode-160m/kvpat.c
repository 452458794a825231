// KV read patterns for one decode layer on two threads (cold, 512 positions, 4 KV heads, fp16): MODE,AHEAD per config.
// gcc -O2 -march=native -o kvpat kvpat.c -lpthread && ./kvpat 0,2 1,0 2,0 2,2 3,0
#define _GNU_SOURCE
#include <immintrin.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <time.h>
static double now() { struct timespec t; clock_gettime(CLOCK_MONOTONIC, &t); return t.tv_sec + t.tv_nsec * 1e-9; }
#define REGION (256L << 20)
#define LAYERKV (512 << 10)
static uint8_t* B; static atomic_int bar_count, bar_gen; static volatile int sink; static int NLAYERS, MODE, AHEAD, NC; static int CFG[8][2];
static double times[8][4000];
static void barrier() { int g = atomic_load(&bar_gen); if (atomic_fetch_add(&bar_count, 1) == 1) { atomic_store(&bar_count, 0); atomic_fetch_add(&bar_gen, 1); } else while (atomic_load(&bar_gen) == g) _mm_pause(); }
static __m512i tile(const uint8_t* p, const uint8_t* ahead, int bytes, __m512i x)
{
    for (int o = 0; o < bytes; o += 64) { if (ahead) _mm_prefetch((const char*)ahead + o, _MM_HINT_T0); x = _mm512_add_epi32(x, _mm512_loadu_si512(p + o)); }
    return x;
}
static void layer(const uint8_t* kv, int t)
{
    const uint8_t* K = kv; const uint8_t* V = kv + LAYERKV / 2;
    __m512i x = _mm512_setzero_si512();
    if (MODE == 0) // per head: heads t, t+2; tiles 2KB at 8KB stride
        for (int h = t; h < 4; h += 2)
        {
            for (int b = 0; b < 32; b++) x = tile(K + b * 8192 + h * 2048, AHEAD && b + AHEAD < 32 ? K + (b + AHEAD) * 8192 + h * 2048 : 0, 2048, x);
            for (int b = 0; b < 32; b++) x = tile(V + b * 8192 + h * 2048, AHEAD && b + AHEAD < 32 ? V + (b + AHEAD) * 8192 + h * 2048 : 0, 2048, x);
        }
    else if (MODE == 2) // split by blocks, per head inside the range
        for (int h = 0; h < 4; h++)
        {
            for (int b = 16 * t; b < 16 * t + 16; b++) x = tile(K + b * 8192 + h * 2048, AHEAD && b + AHEAD < 16 * t + 16 ? K + (b + AHEAD) * 8192 + h * 2048 : 0, 2048, x);
            for (int b = 16 * t; b < 16 * t + 16; b++) x = tile(V + b * 8192 + h * 2048, AHEAD && b + AHEAD < 16 * t + 16 ? V + (b + AHEAD) * 8192 + h * 2048 : 0, 2048, x);
        }
    else if (MODE == 3) // spans of 8 blocks per thread alternating (t owns spans t, t+2), all heads per block
    {
        for (int s = t; s < 4; s += 2)
        {
            for (int b = 8 * s; b < 8 * s + 8; b++) x = tile(K + b * 8192, 0, 8192, x);
            for (int b = 8 * s; b < 8 * s + 8; b++) x = tile(V + b * 8192, 0, 8192, x);
        }
    }
    else // split by blocks: blocks [16t, 16t+16), all heads contiguous
    {
        for (int b = 16 * t; b < 16 * t + 16; b++) x = tile(K + b * 8192, AHEAD && b + AHEAD < 16 * t + 16 ? K + (b + AHEAD) * 8192 : 0, 8192, x);
        for (int b = 16 * t; b < 16 * t + 16; b++) x = tile(V + b * 8192, AHEAD && b + AHEAD < 16 * t + 16 ? V + (b + AHEAD) * 8192 : 0, 8192, x);
    }
    sink += _mm512_reduce_add_epi32(x);
}
static void* worker(void* a)
{
    int t = (int)(intptr_t)a; cpu_set_t s; CPU_ZERO(&s); CPU_SET(t, &s); pthread_setaffinity_np(pthread_self(), sizeof s, &s);
    int li = 0;
    for (int r = 0; r < 2000; r++)
        for (int c = 0; c < NC; c++)
        {
            MODE = CFG[c][0]; AHEAD = CFG[c][1];
            // cold: each layer at a different place in a 256 MB region; 
            barrier();
            double t0 = now();
            layer(B + (long)(li++ % NLAYERS) * LAYERKV, t);
            barrier();
            if (t == 0) times[c][r] = now() - t0;
        }
    return 0;
}
static int cmp(const void* a, const void* b) { double x = *(double*)a, y = *(double*)b; return x < y ? -1 : x > y; }
int main(int argc, char** argv)
{
    B = mmap(NULL, REGION, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    for (long i = 0; i < REGION; i += 8) *(long*)(B + i) = i;
    NLAYERS = REGION / LAYERKV; NC = argc - 1;
    for (int a = 1; a < argc; a++) sscanf(argv[a], "%d,%d", &CFG[a - 1][0], &CFG[a - 1][1]);
    pthread_t th[2]; for (int t = 0; t < 2; t++) pthread_create(&th[t], 0, worker, (void*)(intptr_t)t); for (int t = 0; t < 2; t++) pthread_join(th[t], 0);
    for (int c = 0; c < NC; c++) { qsort(times[c], 2000, sizeof(double), cmp); double m = times[c][1000]; printf("mode %s ahead %d: median %.1f us per layer (%.1f GB/s)\n", CFG[c][0]==3 ? "alt-spans" : CFG[c][0]==2 ? "split-perhead" : CFG[c][0] ? "split-blocks" : "per-head", CFG[c][1], m * 1e6, LAYERKV / m / 1e9); }
}
