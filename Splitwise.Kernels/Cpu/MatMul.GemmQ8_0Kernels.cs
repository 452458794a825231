using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace Splitwise.Kernels.Cpu;

// Register-blocked integer micro-kernels for the Q8_0 GEMM. Weights are widened to int16 in a packed panel
// (PanelStride values apart per row); one vpmaddwd multiplies a broadcast group of weights with two int16 activations
// per int32 lane and adds the pair. The two vector registers per row hold "lanes" (32 at AVX-512, 16 at AVX2) of
// (token, k pair) slots: with k interleave g, g consecutive lanes belong to one token and take g consecutive k pairs,
// so a broadcast of 2g weights serves them all and tokens per call = lanes / g. Small batches thereby fill whole
// registers instead of padding to the full token width, at the cost of summing g lanes per token at the end.
// Each 32-element block's int32 sums are converted and scaled (weight scale × activation scale) into fp32 tiles in L1;
// nothing overflows (|w| ≤ 128, |x| ≤ 32767: 32 · 128 · 32767 < 2³¹).
// AVX-512: 12 rows = 24 of the 32 zmm registers (the rest hold activations, a broadcast and the scaling);
// AVX2: 4 rows = 8 of 16 ymm.
public static unsafe partial class MatMul
{
    /// <summary>
    /// 12 rows × (32 / g) tokens at AVX-512, g = <typeparamref name="TInterleave"/>'s k pairs per lane group; 24 int32
    /// accumulators.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void KernelQ8_0x12<TInterleave>(short* b, float* bScales, short* a, float* aScales, int blocks, float* c)
        where TInterleave : struct, IKInterleave
    {
        for (int blk = 0; blk < blocks; blk++, b += 32, aScales += 32)
        {
            Vector512<int> c0_0 = default, c0_1 = default;
            Vector512<int> c1_0 = default, c1_1 = default;
            Vector512<int> c2_0 = default, c2_1 = default;
            Vector512<int> c3_0 = default, c3_1 = default;
            Vector512<int> c4_0 = default, c4_1 = default;
            Vector512<int> c5_0 = default, c5_1 = default;
            Vector512<int> c6_0 = default, c6_1 = default;
            Vector512<int> c7_0 = default, c7_1 = default;
            Vector512<int> c8_0 = default, c8_1 = default;
            Vector512<int> c9_0 = default, c9_1 = default;
            Vector512<int> c10_0 = default, c10_1 = default;
            Vector512<int> c11_0 = default, c11_1 = default;
            short* bp = b;
            for (int q = 0; q < 16 / TInterleave.Pairs; q++, a += 64, bp += 2 * TInterleave.Pairs)
            {
                var a0 = Vector512.Load(a);
                var a1 = Vector512.Load(a + 32);
                var w0 = TInterleave.Broadcast512(bp + 0 * PanelStride);
                c0_0 += Avx512BW.MultiplyAddAdjacent(a0, w0);
                c0_1 += Avx512BW.MultiplyAddAdjacent(a1, w0);
                var w1 = TInterleave.Broadcast512(bp + 1 * PanelStride);
                c1_0 += Avx512BW.MultiplyAddAdjacent(a0, w1);
                c1_1 += Avx512BW.MultiplyAddAdjacent(a1, w1);
                var w2 = TInterleave.Broadcast512(bp + 2 * PanelStride);
                c2_0 += Avx512BW.MultiplyAddAdjacent(a0, w2);
                c2_1 += Avx512BW.MultiplyAddAdjacent(a1, w2);
                var w3 = TInterleave.Broadcast512(bp + 3 * PanelStride);
                c3_0 += Avx512BW.MultiplyAddAdjacent(a0, w3);
                c3_1 += Avx512BW.MultiplyAddAdjacent(a1, w3);
                var w4 = TInterleave.Broadcast512(bp + 4 * PanelStride);
                c4_0 += Avx512BW.MultiplyAddAdjacent(a0, w4);
                c4_1 += Avx512BW.MultiplyAddAdjacent(a1, w4);
                var w5 = TInterleave.Broadcast512(bp + 5 * PanelStride);
                c5_0 += Avx512BW.MultiplyAddAdjacent(a0, w5);
                c5_1 += Avx512BW.MultiplyAddAdjacent(a1, w5);
                var w6 = TInterleave.Broadcast512(bp + 6 * PanelStride);
                c6_0 += Avx512BW.MultiplyAddAdjacent(a0, w6);
                c6_1 += Avx512BW.MultiplyAddAdjacent(a1, w6);
                var w7 = TInterleave.Broadcast512(bp + 7 * PanelStride);
                c7_0 += Avx512BW.MultiplyAddAdjacent(a0, w7);
                c7_1 += Avx512BW.MultiplyAddAdjacent(a1, w7);
                var w8 = TInterleave.Broadcast512(bp + 8 * PanelStride);
                c8_0 += Avx512BW.MultiplyAddAdjacent(a0, w8);
                c8_1 += Avx512BW.MultiplyAddAdjacent(a1, w8);
                var w9 = TInterleave.Broadcast512(bp + 9 * PanelStride);
                c9_0 += Avx512BW.MultiplyAddAdjacent(a0, w9);
                c9_1 += Avx512BW.MultiplyAddAdjacent(a1, w9);
                var w10 = TInterleave.Broadcast512(bp + 10 * PanelStride);
                c10_0 += Avx512BW.MultiplyAddAdjacent(a0, w10);
                c10_1 += Avx512BW.MultiplyAddAdjacent(a1, w10);
                var w11 = TInterleave.Broadcast512(bp + 11 * PanelStride);
                c11_0 += Avx512BW.MultiplyAddAdjacent(a0, w11);
                c11_1 += Avx512BW.MultiplyAddAdjacent(a1, w11);
            }
            var s0 = Vector512.Load(aScales);
            var s1 = Vector512.Load(aScales + 16);
            var d0 = Vector512.Create(bScales[0 * PanelBlocks + blk]);
            Vector512.FusedMultiplyAdd(Vector512.ConvertToSingle(c0_0), s0 * d0, Vector512.Load(c + 0)).Store(c + 0);
            Vector512.FusedMultiplyAdd(Vector512.ConvertToSingle(c0_1), s1 * d0, Vector512.Load(c + 16)).Store(c + 16);
            var d1 = Vector512.Create(bScales[1 * PanelBlocks + blk]);
            Vector512.FusedMultiplyAdd(Vector512.ConvertToSingle(c1_0), s0 * d1, Vector512.Load(c + 32)).Store(c + 32);
            Vector512.FusedMultiplyAdd(Vector512.ConvertToSingle(c1_1), s1 * d1, Vector512.Load(c + 48)).Store(c + 48);
            var d2 = Vector512.Create(bScales[2 * PanelBlocks + blk]);
            Vector512.FusedMultiplyAdd(Vector512.ConvertToSingle(c2_0), s0 * d2, Vector512.Load(c + 64)).Store(c + 64);
            Vector512.FusedMultiplyAdd(Vector512.ConvertToSingle(c2_1), s1 * d2, Vector512.Load(c + 80)).Store(c + 80);
            var d3 = Vector512.Create(bScales[3 * PanelBlocks + blk]);
            Vector512.FusedMultiplyAdd(Vector512.ConvertToSingle(c3_0), s0 * d3, Vector512.Load(c + 96)).Store(c + 96);
            Vector512.FusedMultiplyAdd(Vector512.ConvertToSingle(c3_1), s1 * d3, Vector512.Load(c + 112)).Store(c + 112);
            var d4 = Vector512.Create(bScales[4 * PanelBlocks + blk]);
            Vector512.FusedMultiplyAdd(Vector512.ConvertToSingle(c4_0), s0 * d4, Vector512.Load(c + 128)).Store(c + 128);
            Vector512.FusedMultiplyAdd(Vector512.ConvertToSingle(c4_1), s1 * d4, Vector512.Load(c + 144)).Store(c + 144);
            var d5 = Vector512.Create(bScales[5 * PanelBlocks + blk]);
            Vector512.FusedMultiplyAdd(Vector512.ConvertToSingle(c5_0), s0 * d5, Vector512.Load(c + 160)).Store(c + 160);
            Vector512.FusedMultiplyAdd(Vector512.ConvertToSingle(c5_1), s1 * d5, Vector512.Load(c + 176)).Store(c + 176);
            var d6 = Vector512.Create(bScales[6 * PanelBlocks + blk]);
            Vector512.FusedMultiplyAdd(Vector512.ConvertToSingle(c6_0), s0 * d6, Vector512.Load(c + 192)).Store(c + 192);
            Vector512.FusedMultiplyAdd(Vector512.ConvertToSingle(c6_1), s1 * d6, Vector512.Load(c + 208)).Store(c + 208);
            var d7 = Vector512.Create(bScales[7 * PanelBlocks + blk]);
            Vector512.FusedMultiplyAdd(Vector512.ConvertToSingle(c7_0), s0 * d7, Vector512.Load(c + 224)).Store(c + 224);
            Vector512.FusedMultiplyAdd(Vector512.ConvertToSingle(c7_1), s1 * d7, Vector512.Load(c + 240)).Store(c + 240);
            var d8 = Vector512.Create(bScales[8 * PanelBlocks + blk]);
            Vector512.FusedMultiplyAdd(Vector512.ConvertToSingle(c8_0), s0 * d8, Vector512.Load(c + 256)).Store(c + 256);
            Vector512.FusedMultiplyAdd(Vector512.ConvertToSingle(c8_1), s1 * d8, Vector512.Load(c + 272)).Store(c + 272);
            var d9 = Vector512.Create(bScales[9 * PanelBlocks + blk]);
            Vector512.FusedMultiplyAdd(Vector512.ConvertToSingle(c9_0), s0 * d9, Vector512.Load(c + 288)).Store(c + 288);
            Vector512.FusedMultiplyAdd(Vector512.ConvertToSingle(c9_1), s1 * d9, Vector512.Load(c + 304)).Store(c + 304);
            var d10 = Vector512.Create(bScales[10 * PanelBlocks + blk]);
            Vector512.FusedMultiplyAdd(Vector512.ConvertToSingle(c10_0), s0 * d10, Vector512.Load(c + 320)).Store(c + 320);
            Vector512.FusedMultiplyAdd(Vector512.ConvertToSingle(c10_1), s1 * d10, Vector512.Load(c + 336)).Store(c + 336);
            var d11 = Vector512.Create(bScales[11 * PanelBlocks + blk]);
            Vector512.FusedMultiplyAdd(Vector512.ConvertToSingle(c11_0), s0 * d11, Vector512.Load(c + 352)).Store(c + 352);
            Vector512.FusedMultiplyAdd(Vector512.ConvertToSingle(c11_1), s1 * d11, Vector512.Load(c + 368)).Store(c + 368);
        }
    }

    /// <summary>4 rows × (16 / g) tokens at AVX2, g as in <see cref="KernelQ8_0x12{TInterleave}"/>; 8 int32 accumulators.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void KernelQ8_0x4<TInterleave>(short* b, float* bScales, short* a, float* aScales, int blocks, float* c)
        where TInterleave : struct, IKInterleave
    {
        for (int blk = 0; blk < blocks; blk++, b += 32, aScales += 16)
        {
            Vector256<int> c0_0 = default, c0_1 = default;
            Vector256<int> c1_0 = default, c1_1 = default;
            Vector256<int> c2_0 = default, c2_1 = default;
            Vector256<int> c3_0 = default, c3_1 = default;
            short* bp = b;
            for (int q = 0; q < 16 / TInterleave.Pairs; q++, a += 32, bp += 2 * TInterleave.Pairs)
            {
                var a0 = Vector256.Load(a);
                var a1 = Vector256.Load(a + 16);
                var w0 = TInterleave.Broadcast256(bp + 0 * PanelStride);
                c0_0 += Avx2.MultiplyAddAdjacent(a0, w0);
                c0_1 += Avx2.MultiplyAddAdjacent(a1, w0);
                var w1 = TInterleave.Broadcast256(bp + 1 * PanelStride);
                c1_0 += Avx2.MultiplyAddAdjacent(a0, w1);
                c1_1 += Avx2.MultiplyAddAdjacent(a1, w1);
                var w2 = TInterleave.Broadcast256(bp + 2 * PanelStride);
                c2_0 += Avx2.MultiplyAddAdjacent(a0, w2);
                c2_1 += Avx2.MultiplyAddAdjacent(a1, w2);
                var w3 = TInterleave.Broadcast256(bp + 3 * PanelStride);
                c3_0 += Avx2.MultiplyAddAdjacent(a0, w3);
                c3_1 += Avx2.MultiplyAddAdjacent(a1, w3);
            }
            var s0 = Vector256.Load(aScales);
            var s1 = Vector256.Load(aScales + 8);
            var d0 = Vector256.Create(bScales[0 * PanelBlocks + blk]);
            Vector256.FusedMultiplyAdd(Vector256.ConvertToSingle(c0_0), s0 * d0, Vector256.Load(c + 0)).Store(c + 0);
            Vector256.FusedMultiplyAdd(Vector256.ConvertToSingle(c0_1), s1 * d0, Vector256.Load(c + 8)).Store(c + 8);
            var d1 = Vector256.Create(bScales[1 * PanelBlocks + blk]);
            Vector256.FusedMultiplyAdd(Vector256.ConvertToSingle(c1_0), s0 * d1, Vector256.Load(c + 16)).Store(c + 16);
            Vector256.FusedMultiplyAdd(Vector256.ConvertToSingle(c1_1), s1 * d1, Vector256.Load(c + 24)).Store(c + 24);
            var d2 = Vector256.Create(bScales[2 * PanelBlocks + blk]);
            Vector256.FusedMultiplyAdd(Vector256.ConvertToSingle(c2_0), s0 * d2, Vector256.Load(c + 32)).Store(c + 32);
            Vector256.FusedMultiplyAdd(Vector256.ConvertToSingle(c2_1), s1 * d2, Vector256.Load(c + 40)).Store(c + 40);
            var d3 = Vector256.Create(bScales[3 * PanelBlocks + blk]);
            Vector256.FusedMultiplyAdd(Vector256.ConvertToSingle(c3_0), s0 * d3, Vector256.Load(c + 48)).Store(c + 48);
            Vector256.FusedMultiplyAdd(Vector256.ConvertToSingle(c3_1), s1 * d3, Vector256.Load(c + 56)).Store(c + 56);
        }
    }

    /// <summary>
    /// How many consecutive k pairs of one token share a lane group (the k interleave g), and the broadcast that
    /// hands a row's 2g weights to every group. A struct type argument, so the JIT compiles one kernel per g with
    /// the loop count and the broadcast folded in.
    /// </summary>
    private interface IKInterleave
    {
        static abstract int Pairs { get; }
        static abstract Vector512<short> Broadcast512(short* weights);
        static abstract Vector256<short> Broadcast256(short* weights);
    }

    private struct Interleave1 : IKInterleave
    {
        public static int Pairs => 1;
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static Vector512<short> Broadcast512(short* weights) => Vector512.Create(*(int*)weights).AsInt16();
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static Vector256<short> Broadcast256(short* weights) => Vector256.Create(*(int*)weights).AsInt16();
    }

    private struct Interleave2 : IKInterleave
    {
        public static int Pairs => 2;
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static Vector512<short> Broadcast512(short* weights) => Vector512.Create(*(long*)weights).AsInt16();
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static Vector256<short> Broadcast256(short* weights) => Vector256.Create(*(long*)weights).AsInt16();
    }

    private struct Interleave4 : IKInterleave
    {
        public static int Pairs => 4;
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static Vector512<short> Broadcast512(short* weights) => Avx512F.BroadcastVector128ToVector512((int*)weights).AsInt16();
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static Vector256<short> Broadcast256(short* weights) => Avx2.BroadcastVector128ToVector256(weights);
    }
}
