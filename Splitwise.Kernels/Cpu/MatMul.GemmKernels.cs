using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace Splitwise.Kernels.Cpu;

// Register-blocked fp32 micro-kernels for the GEMM. Weight rows are broadcast one element at a time from a packed
// panel (PanelStride floats apart), tokens are the vector lanes, read from activations packed as [k][tokens].
// AVX-512: 14 rows × 32 tokens = 28 of the 32 zmm registers hold C; AVX2: 6 rows × 16 tokens = 12 of 16 ymm.
// The half-width variants (14×16, 6×8) serve small batches so that 8..16 tokens are not padded to 32.
public static unsafe partial class MatMul
{
    /// <summary>C[14×32] (+)= B[14 rows, stride PanelStride] · A[k][32] over kc steps; 28 accumulators stay in registers.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Kernel14x32(float* b, float* a, int kc, float* c, bool accumulate)
    {
        var c0_0 = accumulate ? Vector512.Load(c + 0) : Vector512<float>.Zero;
        var c0_1 = accumulate ? Vector512.Load(c + 16) : Vector512<float>.Zero;
        var c1_0 = accumulate ? Vector512.Load(c + 32) : Vector512<float>.Zero;
        var c1_1 = accumulate ? Vector512.Load(c + 48) : Vector512<float>.Zero;
        var c2_0 = accumulate ? Vector512.Load(c + 64) : Vector512<float>.Zero;
        var c2_1 = accumulate ? Vector512.Load(c + 80) : Vector512<float>.Zero;
        var c3_0 = accumulate ? Vector512.Load(c + 96) : Vector512<float>.Zero;
        var c3_1 = accumulate ? Vector512.Load(c + 112) : Vector512<float>.Zero;
        var c4_0 = accumulate ? Vector512.Load(c + 128) : Vector512<float>.Zero;
        var c4_1 = accumulate ? Vector512.Load(c + 144) : Vector512<float>.Zero;
        var c5_0 = accumulate ? Vector512.Load(c + 160) : Vector512<float>.Zero;
        var c5_1 = accumulate ? Vector512.Load(c + 176) : Vector512<float>.Zero;
        var c6_0 = accumulate ? Vector512.Load(c + 192) : Vector512<float>.Zero;
        var c6_1 = accumulate ? Vector512.Load(c + 208) : Vector512<float>.Zero;
        var c7_0 = accumulate ? Vector512.Load(c + 224) : Vector512<float>.Zero;
        var c7_1 = accumulate ? Vector512.Load(c + 240) : Vector512<float>.Zero;
        var c8_0 = accumulate ? Vector512.Load(c + 256) : Vector512<float>.Zero;
        var c8_1 = accumulate ? Vector512.Load(c + 272) : Vector512<float>.Zero;
        var c9_0 = accumulate ? Vector512.Load(c + 288) : Vector512<float>.Zero;
        var c9_1 = accumulate ? Vector512.Load(c + 304) : Vector512<float>.Zero;
        var c10_0 = accumulate ? Vector512.Load(c + 320) : Vector512<float>.Zero;
        var c10_1 = accumulate ? Vector512.Load(c + 336) : Vector512<float>.Zero;
        var c11_0 = accumulate ? Vector512.Load(c + 352) : Vector512<float>.Zero;
        var c11_1 = accumulate ? Vector512.Load(c + 368) : Vector512<float>.Zero;
        var c12_0 = accumulate ? Vector512.Load(c + 384) : Vector512<float>.Zero;
        var c12_1 = accumulate ? Vector512.Load(c + 400) : Vector512<float>.Zero;
        var c13_0 = accumulate ? Vector512.Load(c + 416) : Vector512<float>.Zero;
        var c13_1 = accumulate ? Vector512.Load(c + 432) : Vector512<float>.Zero;
        for (int k = 0; k < kc; k++, a += 32, b++)
        {
            var a0 = Vector512.Load(a + 0);
            var a1 = Vector512.Load(a + 16);
            var b0 = Vector512.Create(b[0 * PanelStride]);
            c0_0 = Vector512.FusedMultiplyAdd(a0, b0, c0_0);
            c0_1 = Vector512.FusedMultiplyAdd(a1, b0, c0_1);
            var b1 = Vector512.Create(b[1 * PanelStride]);
            c1_0 = Vector512.FusedMultiplyAdd(a0, b1, c1_0);
            c1_1 = Vector512.FusedMultiplyAdd(a1, b1, c1_1);
            var b2 = Vector512.Create(b[2 * PanelStride]);
            c2_0 = Vector512.FusedMultiplyAdd(a0, b2, c2_0);
            c2_1 = Vector512.FusedMultiplyAdd(a1, b2, c2_1);
            var b3 = Vector512.Create(b[3 * PanelStride]);
            c3_0 = Vector512.FusedMultiplyAdd(a0, b3, c3_0);
            c3_1 = Vector512.FusedMultiplyAdd(a1, b3, c3_1);
            var b4 = Vector512.Create(b[4 * PanelStride]);
            c4_0 = Vector512.FusedMultiplyAdd(a0, b4, c4_0);
            c4_1 = Vector512.FusedMultiplyAdd(a1, b4, c4_1);
            var b5 = Vector512.Create(b[5 * PanelStride]);
            c5_0 = Vector512.FusedMultiplyAdd(a0, b5, c5_0);
            c5_1 = Vector512.FusedMultiplyAdd(a1, b5, c5_1);
            var b6 = Vector512.Create(b[6 * PanelStride]);
            c6_0 = Vector512.FusedMultiplyAdd(a0, b6, c6_0);
            c6_1 = Vector512.FusedMultiplyAdd(a1, b6, c6_1);
            var b7 = Vector512.Create(b[7 * PanelStride]);
            c7_0 = Vector512.FusedMultiplyAdd(a0, b7, c7_0);
            c7_1 = Vector512.FusedMultiplyAdd(a1, b7, c7_1);
            var b8 = Vector512.Create(b[8 * PanelStride]);
            c8_0 = Vector512.FusedMultiplyAdd(a0, b8, c8_0);
            c8_1 = Vector512.FusedMultiplyAdd(a1, b8, c8_1);
            var b9 = Vector512.Create(b[9 * PanelStride]);
            c9_0 = Vector512.FusedMultiplyAdd(a0, b9, c9_0);
            c9_1 = Vector512.FusedMultiplyAdd(a1, b9, c9_1);
            var b10 = Vector512.Create(b[10 * PanelStride]);
            c10_0 = Vector512.FusedMultiplyAdd(a0, b10, c10_0);
            c10_1 = Vector512.FusedMultiplyAdd(a1, b10, c10_1);
            var b11 = Vector512.Create(b[11 * PanelStride]);
            c11_0 = Vector512.FusedMultiplyAdd(a0, b11, c11_0);
            c11_1 = Vector512.FusedMultiplyAdd(a1, b11, c11_1);
            var b12 = Vector512.Create(b[12 * PanelStride]);
            c12_0 = Vector512.FusedMultiplyAdd(a0, b12, c12_0);
            c12_1 = Vector512.FusedMultiplyAdd(a1, b12, c12_1);
            var b13 = Vector512.Create(b[13 * PanelStride]);
            c13_0 = Vector512.FusedMultiplyAdd(a0, b13, c13_0);
            c13_1 = Vector512.FusedMultiplyAdd(a1, b13, c13_1);
        }
        c0_0.Store(c + 0);
        c0_1.Store(c + 16);
        c1_0.Store(c + 32);
        c1_1.Store(c + 48);
        c2_0.Store(c + 64);
        c2_1.Store(c + 80);
        c3_0.Store(c + 96);
        c3_1.Store(c + 112);
        c4_0.Store(c + 128);
        c4_1.Store(c + 144);
        c5_0.Store(c + 160);
        c5_1.Store(c + 176);
        c6_0.Store(c + 192);
        c6_1.Store(c + 208);
        c7_0.Store(c + 224);
        c7_1.Store(c + 240);
        c8_0.Store(c + 256);
        c8_1.Store(c + 272);
        c9_0.Store(c + 288);
        c9_1.Store(c + 304);
        c10_0.Store(c + 320);
        c10_1.Store(c + 336);
        c11_0.Store(c + 352);
        c11_1.Store(c + 368);
        c12_0.Store(c + 384);
        c12_1.Store(c + 400);
        c13_0.Store(c + 416);
        c13_1.Store(c + 432);
    }

    /// <summary>C[14×16] (+)= B[14 rows, stride PanelStride] · A[k][16] over kc steps; 14 accumulators stay in registers.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Kernel14x16(float* b, float* a, int kc, float* c, bool accumulate)
    {
        var c0_0 = accumulate ? Vector512.Load(c + 0) : Vector512<float>.Zero;
        var c1_0 = accumulate ? Vector512.Load(c + 16) : Vector512<float>.Zero;
        var c2_0 = accumulate ? Vector512.Load(c + 32) : Vector512<float>.Zero;
        var c3_0 = accumulate ? Vector512.Load(c + 48) : Vector512<float>.Zero;
        var c4_0 = accumulate ? Vector512.Load(c + 64) : Vector512<float>.Zero;
        var c5_0 = accumulate ? Vector512.Load(c + 80) : Vector512<float>.Zero;
        var c6_0 = accumulate ? Vector512.Load(c + 96) : Vector512<float>.Zero;
        var c7_0 = accumulate ? Vector512.Load(c + 112) : Vector512<float>.Zero;
        var c8_0 = accumulate ? Vector512.Load(c + 128) : Vector512<float>.Zero;
        var c9_0 = accumulate ? Vector512.Load(c + 144) : Vector512<float>.Zero;
        var c10_0 = accumulate ? Vector512.Load(c + 160) : Vector512<float>.Zero;
        var c11_0 = accumulate ? Vector512.Load(c + 176) : Vector512<float>.Zero;
        var c12_0 = accumulate ? Vector512.Load(c + 192) : Vector512<float>.Zero;
        var c13_0 = accumulate ? Vector512.Load(c + 208) : Vector512<float>.Zero;
        for (int k = 0; k < kc; k++, a += 16, b++)
        {
            var a0 = Vector512.Load(a + 0);
            var b0 = Vector512.Create(b[0 * PanelStride]);
            c0_0 = Vector512.FusedMultiplyAdd(a0, b0, c0_0);
            var b1 = Vector512.Create(b[1 * PanelStride]);
            c1_0 = Vector512.FusedMultiplyAdd(a0, b1, c1_0);
            var b2 = Vector512.Create(b[2 * PanelStride]);
            c2_0 = Vector512.FusedMultiplyAdd(a0, b2, c2_0);
            var b3 = Vector512.Create(b[3 * PanelStride]);
            c3_0 = Vector512.FusedMultiplyAdd(a0, b3, c3_0);
            var b4 = Vector512.Create(b[4 * PanelStride]);
            c4_0 = Vector512.FusedMultiplyAdd(a0, b4, c4_0);
            var b5 = Vector512.Create(b[5 * PanelStride]);
            c5_0 = Vector512.FusedMultiplyAdd(a0, b5, c5_0);
            var b6 = Vector512.Create(b[6 * PanelStride]);
            c6_0 = Vector512.FusedMultiplyAdd(a0, b6, c6_0);
            var b7 = Vector512.Create(b[7 * PanelStride]);
            c7_0 = Vector512.FusedMultiplyAdd(a0, b7, c7_0);
            var b8 = Vector512.Create(b[8 * PanelStride]);
            c8_0 = Vector512.FusedMultiplyAdd(a0, b8, c8_0);
            var b9 = Vector512.Create(b[9 * PanelStride]);
            c9_0 = Vector512.FusedMultiplyAdd(a0, b9, c9_0);
            var b10 = Vector512.Create(b[10 * PanelStride]);
            c10_0 = Vector512.FusedMultiplyAdd(a0, b10, c10_0);
            var b11 = Vector512.Create(b[11 * PanelStride]);
            c11_0 = Vector512.FusedMultiplyAdd(a0, b11, c11_0);
            var b12 = Vector512.Create(b[12 * PanelStride]);
            c12_0 = Vector512.FusedMultiplyAdd(a0, b12, c12_0);
            var b13 = Vector512.Create(b[13 * PanelStride]);
            c13_0 = Vector512.FusedMultiplyAdd(a0, b13, c13_0);
        }
        c0_0.Store(c + 0);
        c1_0.Store(c + 16);
        c2_0.Store(c + 32);
        c3_0.Store(c + 48);
        c4_0.Store(c + 64);
        c5_0.Store(c + 80);
        c6_0.Store(c + 96);
        c7_0.Store(c + 112);
        c8_0.Store(c + 128);
        c9_0.Store(c + 144);
        c10_0.Store(c + 160);
        c11_0.Store(c + 176);
        c12_0.Store(c + 192);
        c13_0.Store(c + 208);
    }

    /// <summary>C[6×16] (+)= B[6 rows, stride PanelStride] · A[k][16] over kc steps; 12 accumulators stay in registers.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Kernel6x16(float* b, float* a, int kc, float* c, bool accumulate)
    {
        var c0_0 = accumulate ? Vector256.Load(c + 0) : Vector256<float>.Zero;
        var c0_1 = accumulate ? Vector256.Load(c + 8) : Vector256<float>.Zero;
        var c1_0 = accumulate ? Vector256.Load(c + 16) : Vector256<float>.Zero;
        var c1_1 = accumulate ? Vector256.Load(c + 24) : Vector256<float>.Zero;
        var c2_0 = accumulate ? Vector256.Load(c + 32) : Vector256<float>.Zero;
        var c2_1 = accumulate ? Vector256.Load(c + 40) : Vector256<float>.Zero;
        var c3_0 = accumulate ? Vector256.Load(c + 48) : Vector256<float>.Zero;
        var c3_1 = accumulate ? Vector256.Load(c + 56) : Vector256<float>.Zero;
        var c4_0 = accumulate ? Vector256.Load(c + 64) : Vector256<float>.Zero;
        var c4_1 = accumulate ? Vector256.Load(c + 72) : Vector256<float>.Zero;
        var c5_0 = accumulate ? Vector256.Load(c + 80) : Vector256<float>.Zero;
        var c5_1 = accumulate ? Vector256.Load(c + 88) : Vector256<float>.Zero;
        for (int k = 0; k < kc; k++, a += 16, b++)
        {
            var a0 = Vector256.Load(a + 0);
            var a1 = Vector256.Load(a + 8);
            var b0 = Vector256.Create(b[0 * PanelStride]);
            c0_0 = Vector256.FusedMultiplyAdd(a0, b0, c0_0);
            c0_1 = Vector256.FusedMultiplyAdd(a1, b0, c0_1);
            var b1 = Vector256.Create(b[1 * PanelStride]);
            c1_0 = Vector256.FusedMultiplyAdd(a0, b1, c1_0);
            c1_1 = Vector256.FusedMultiplyAdd(a1, b1, c1_1);
            var b2 = Vector256.Create(b[2 * PanelStride]);
            c2_0 = Vector256.FusedMultiplyAdd(a0, b2, c2_0);
            c2_1 = Vector256.FusedMultiplyAdd(a1, b2, c2_1);
            var b3 = Vector256.Create(b[3 * PanelStride]);
            c3_0 = Vector256.FusedMultiplyAdd(a0, b3, c3_0);
            c3_1 = Vector256.FusedMultiplyAdd(a1, b3, c3_1);
            var b4 = Vector256.Create(b[4 * PanelStride]);
            c4_0 = Vector256.FusedMultiplyAdd(a0, b4, c4_0);
            c4_1 = Vector256.FusedMultiplyAdd(a1, b4, c4_1);
            var b5 = Vector256.Create(b[5 * PanelStride]);
            c5_0 = Vector256.FusedMultiplyAdd(a0, b5, c5_0);
            c5_1 = Vector256.FusedMultiplyAdd(a1, b5, c5_1);
        }
        c0_0.Store(c + 0);
        c0_1.Store(c + 8);
        c1_0.Store(c + 16);
        c1_1.Store(c + 24);
        c2_0.Store(c + 32);
        c2_1.Store(c + 40);
        c3_0.Store(c + 48);
        c3_1.Store(c + 56);
        c4_0.Store(c + 64);
        c4_1.Store(c + 72);
        c5_0.Store(c + 80);
        c5_1.Store(c + 88);
    }

    /// <summary>C[6×8] (+)= B[6 rows, stride PanelStride] · A[k][8] over kc steps; 6 accumulators stay in registers.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Kernel6x8(float* b, float* a, int kc, float* c, bool accumulate)
    {
        var c0_0 = accumulate ? Vector256.Load(c + 0) : Vector256<float>.Zero;
        var c1_0 = accumulate ? Vector256.Load(c + 8) : Vector256<float>.Zero;
        var c2_0 = accumulate ? Vector256.Load(c + 16) : Vector256<float>.Zero;
        var c3_0 = accumulate ? Vector256.Load(c + 24) : Vector256<float>.Zero;
        var c4_0 = accumulate ? Vector256.Load(c + 32) : Vector256<float>.Zero;
        var c5_0 = accumulate ? Vector256.Load(c + 40) : Vector256<float>.Zero;
        for (int k = 0; k < kc; k++, a += 8, b++)
        {
            var a0 = Vector256.Load(a + 0);
            var b0 = Vector256.Create(b[0 * PanelStride]);
            c0_0 = Vector256.FusedMultiplyAdd(a0, b0, c0_0);
            var b1 = Vector256.Create(b[1 * PanelStride]);
            c1_0 = Vector256.FusedMultiplyAdd(a0, b1, c1_0);
            var b2 = Vector256.Create(b[2 * PanelStride]);
            c2_0 = Vector256.FusedMultiplyAdd(a0, b2, c2_0);
            var b3 = Vector256.Create(b[3 * PanelStride]);
            c3_0 = Vector256.FusedMultiplyAdd(a0, b3, c3_0);
            var b4 = Vector256.Create(b[4 * PanelStride]);
            c4_0 = Vector256.FusedMultiplyAdd(a0, b4, c4_0);
            var b5 = Vector256.Create(b[5 * PanelStride]);
            c5_0 = Vector256.FusedMultiplyAdd(a0, b5, c5_0);
        }
        c0_0.Store(c + 0);
        c1_0.Store(c + 8);
        c2_0.Store(c + 16);
        c3_0.Store(c + 24);
        c4_0.Store(c + 32);
        c5_0.Store(c + 40);
    }
}
