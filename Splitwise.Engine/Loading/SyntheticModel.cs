using System.Runtime.CompilerServices;
using Splitwise.Engine.Config;
using Splitwise.Engine.Model;
using Splitwise.Kernels;

namespace Splitwise.Engine.Loading;

/// <summary>
/// Llama-shaped models with deterministic pseudo-random weights, for benchmarks and smoke tests: "synthetic:SHAPE-TYPE",
/// e.g. synthetic:llama-1b-q8_0. Weights are generated directly in their stored encoding (random int8/nibbles under a
/// fixed fp16 scale, or values from a small table for floats), so a 1 GB model builds in about a second. Each matrix
/// holds values of standard deviation about 1/sqrt(in features) and norms are 1, so activations stay finite.
/// </summary>
public static unsafe class SyntheticModel
{
    public const string Prefix = "synthetic:";

    /// <summary>Chunks are seeded by (tensor, chunk index), so the bytes do not depend on how threads split the work.</summary>
    private const long ChunkBytes = 1 << 20;

    private static readonly Dictionary<string, ModelConfig> Shapes = new(StringComparer.Ordinal)
    {
        ["llama-1b"] = Shape(hidden: 2048, layers: 16, heads: 32, kvHeads: 8, ffn: 8192, vocab: 32000, maxPositions: 4096),
        ["llama-160m"] = Shape(hidden: 768, layers: 12, heads: 12, kvHeads: 4, ffn: 2048, vocab: 32000, maxPositions: 4096),
        ["llama-tiny"] = Shape(hidden: 64, layers: 2, heads: 4, kvHeads: 2, ffn: 128, vocab: 256, maxPositions: 512),
        // The smallest shape whose rows are whole K-quant super-blocks (256), for fast Q4_K/Q6_K tests.
        ["llama-small"] = Shape(hidden: 256, layers: 2, heads: 4, kvHeads: 2, ffn: 512, vocab: 512, maxPositions: 512),
    };

    private static readonly Dictionary<string, WeightType> Types = new(StringComparer.Ordinal)
    {
        ["f32"] = WeightType.F32, ["f16"] = WeightType.F16, ["bf16"] = WeightType.BF16, ["q8_0"] = WeightType.Q8_0,
        ["q4_0"] = WeightType.Q4_0, ["q4_k"] = WeightType.Q4_K, ["q6_k"] = WeightType.Q6_K,
    };

    /// <summary>Every shape name (append "-" and a type: f32, f16, bf16, q8_0, q4_0, q4_k, q6_k).</summary>
    public static IReadOnlyCollection<string> ShapeNames => Shapes.Keys;
    public static IReadOnlyCollection<string> TypeNames => Types.Keys;

    /// <summary>Parses "llama-1b-q8_0" (with or without the "synthetic:" prefix) without allocating any weights.</summary>
    public static (ModelConfig Config, WeightType Type) Describe(string name)
    {
        string spec = name.StartsWith(Prefix, StringComparison.Ordinal) ? name : Prefix + name;
        string bare = spec[Prefix.Length..];
        int dash = bare.LastIndexOf('-');
        string shape = dash > 0 ? bare[..dash] : bare, typeName = dash > 0 ? bare[(dash + 1)..] : "";
        if (!Shapes.TryGetValue(shape, out var config))
            throw new ModelFileException(spec, $"unknown synthetic model '{bare}': use SHAPE-TYPE with SHAPE one of {string.Join(", ", Shapes.Keys)} and TYPE one of {string.Join(", ", Types.Keys)}");
        if (!Types.TryGetValue(typeName.ToLowerInvariant(), out var type))
            throw new ModelFileException(spec, $"unknown weight type '{typeName}' in synthetic model '{bare}' (one of {string.Join(", ", Types.Keys)})");
        int block = WeightTypeInfo.BlockElements(type);
        if (config.HiddenSize % block != 0 || config.IntermediateSize % block != 0 || config.QueryDim % block != 0)
            throw new ModelFileException(spec, $"synthetic shape {shape} cannot be stored as {type}: its rows are not whole blocks of {block}");
        return (config, type);
    }

    public static LlamaWeights Build(string name)
    {
        var (config, type) = Describe(name);
        string spec = name.StartsWith(Prefix, StringComparison.Ordinal) ? name : Prefix + name;
        ulong seed = Fnv1a(spec);
        var owners = new List<IDisposable>();
        int tensorIndex = 0;
        try
        {
            WeightMatrix Matrix(int rows, int cols)
            {
                var m = Generate(type, rows, cols, Mix(seed + (ulong)tensorIndex++ * 0x9E3779B97F4A7C15UL));
                owners.Add((IDisposable)m.Owner!);
                return m;
            }
            float[] Ones(int n) => Enumerable.Repeat(1f, n).ToArray();

            int h = config.HiddenSize, f = config.IntermediateSize, q = config.QueryDim, kv = config.KvDim;
            var embedding = Matrix(config.VocabSize, h);
            var layers = new LlamaLayerWeights[config.LayerCount];
            for (int i = 0; i < layers.Length; i++)
            {
                layers[i] = new LlamaLayerWeights
                {
                    AttentionNorm = Ones(h),
                    Query = Matrix(q, h),
                    Key = Matrix(kv, h),
                    Value = Matrix(kv, h),
                    Output = Matrix(h, q),
                    FfnNorm = Ones(h),
                    Gate = Matrix(f, h),
                    Up = Matrix(f, h),
                    Down = Matrix(h, f),
                };
            }
            var classifier = Matrix(config.VocabSize, h);
            return new LlamaWeights
            {
                Config = config,
                Source = spec,
                TokenEmbedding = embedding,
                Layers = layers,
                FinalNorm = Ones(h),
                Classifier = classifier,
                Owners = owners,
            };
        }
        catch
        {
            foreach (var o in owners) o.Dispose();
            throw;
        }
    }

    private static ModelConfig Shape(int hidden, int layers, int heads, int kvHeads, int ffn, int vocab, int maxPositions) => new()
    {
        Architecture = "llama",
        HiddenSize = hidden,
        IntermediateSize = ffn,
        LayerCount = layers,
        HeadCount = heads,
        KvHeadCount = kvHeads,
        HeadDim = hidden / heads,
        VocabSize = vocab,
        MaxPositionEmbeddings = maxPositions,
        RmsNormEps = 1e-5f,
        RopeTheta = 10000f,
        RopeLayout = RopeLayout.RotateHalf,
        TieWordEmbeddings = false,
        BosTokenId = 1,
        EosTokenIds = [2],
    };

    /// <summary>A [rows, cols] matrix of the given type, values ~ std 1/sqrt(cols), filled in parallel.</summary>
    public static WeightMatrix Generate(WeightType type, int rows, int cols, ulong seed)
    {
        long rowBytes = WeightTypeInfo.RowBytes(type, cols);
        long total = rowBytes * rows;
        int blockBytes = WeightTypeInfo.BlockBytes(type);
        long blocks = total / blockBytes;
        long blocksPerChunk = Math.Max(1, ChunkBytes / blockBytes);
        long chunks = (blocks + blocksPerChunk - 1) / blocksPerChunk;
        var buffer = NativeBuffer.Allocate(total, zero: false);
        byte* data = buffer.Pointer;
        float std = 1f / MathF.Sqrt(cols);
        var fill = new BlockFill(type, std);
        Parallel.For(0L, chunks, c =>
        {
            long first = c * blocksPerChunk, count = Math.Min(blocksPerChunk, blocks - first);
            var rng = new XorShift(Mix(seed ^ Mix((ulong)c + 1)));
            fill.Fill(data + first * blockBytes, count, ref rng);
        });
        return new WeightMatrix(type, rows, cols, data, buffer);
    }

    private static ulong Fnv1a(string s)
    {
        ulong h = 0xcbf29ce484222325UL;
        foreach (char ch in s) h = (h ^ ch) * 0x100000001b3UL;
        return h;
    }

    /// <summary>SplitMix64's finalizer: spreads nearby seeds into unrelated streams.</summary>
    private static ulong Mix(ulong z)
    {
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        return z ^ (z >> 31);
    }

    private struct XorShift(ulong seed)
    {
        private ulong _state = seed == 0 ? 0x9E3779B97F4A7C15UL : seed;

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public ulong Next()
        {
            ulong x = _state;
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            _state = x;
            return x * 0x2545F4914F6CDD1DUL;
        }

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public void Bytes(byte* dst, int count)
        {
            int i = 0;
            for (; i + 8 <= count; i += 8) Unsafe.WriteUnaligned(dst + i, Next());
            if (i < count)
            {
                ulong last = Next();
                for (; i < count; i++, last >>= 8) dst[i] = (byte)last;
            }
        }
    }

    /// <summary>Writes blocks of one type. Scales are chosen so that every value's standard deviation is about std.</summary>
    private sealed class BlockFill
    {
        // Standard deviations of the uniform integer codes each format stores.
        private const float Int8Std = 73.9f;   // -128..127
        private const float Nibble8Std = 4.61f; // 0..15 around 8
        private const float Six32Std = 18.47f;  // 0..63 around 32
        private const int KScale = 16;          // the 6-bit / 8-bit sub-block scale used for K-quants

        private readonly WeightType _type;
        private readonly float _std;
        private readonly ushort[] _table = new ushort[256];

        public BlockFill(WeightType type, float std)
        {
            _type = type;
            _std = std;
            float amplitude = std * MathF.Sqrt(3f); // uniform on [-a, a] has std a/sqrt(3)
            for (int i = 0; i < 256; i++)
            {
                float v = ((i + 0.5f) / 128f - 1f) * amplitude;
                _table[i] = type == WeightType.BF16
                    ? (ushort)(BitConverter.SingleToUInt32Bits(v) >> 16)
                    : BitConverter.HalfToUInt16Bits((Half)v);
            }
        }

        // Runs once per chunk over a megabyte: skip tier-0 so the first model built is as fast as the next.
        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        public void Fill(byte* dst, long blocks, ref XorShift rng)
        {
            switch (_type)
            {
                case WeightType.F32:
                {
                    float scale = _std * MathF.Sqrt(3f) / (1 << 23);
                    float* p = (float*)dst;
                    for (long i = 0; i < blocks; i++) p[i] = ((int)(rng.Next() >> 40) - (1 << 23)) * scale;
                    break;
                }
                case WeightType.F16 or WeightType.BF16:
                {
                    ushort* p = (ushort*)dst;
                    long i = 0;
                    for (; i + 8 <= blocks; i += 8)
                    {
                        ulong r = rng.Next();
                        for (int k = 0; k < 8; k++, r >>= 8) p[i + k] = _table[(int)(r & 0xFF)];
                    }
                    for (; i < blocks; i++) p[i] = _table[(int)(rng.Next() & 0xFF)];
                    break;
                }
                case WeightType.Q8_0:
                {
                    var d = (Half)(_std / Int8Std);
                    for (long b = 0; b < blocks; b++, dst += 34)
                    {
                        Unsafe.WriteUnaligned(dst, d);
                        rng.Bytes(dst + 2, 32);
                    }
                    break;
                }
                case WeightType.Q4_0:
                {
                    var d = (Half)(_std / Nibble8Std);
                    for (long b = 0; b < blocks; b++, dst += 18)
                    {
                        Unsafe.WriteUnaligned(dst, d);
                        rng.Bytes(dst + 2, 16);
                    }
                    break;
                }
                case WeightType.Q4_K:
                {
                    // value = d·16·q − dmin·16 with dmin = 7.5·d centres the nibbles 0..15 on zero.
                    float d = _std / (KScale * Nibble8Std);
                    var dh = (Half)d;
                    var dminh = (Half)(7.5f * (float)dh);
                    for (long b = 0; b < blocks; b++, dst += 144)
                    {
                        Unsafe.WriteUnaligned(dst, dh);
                        Unsafe.WriteUnaligned(dst + 2, dminh);
                        // Every sub-block scale and min = 16 (6 bits): low 6 bits in bytes 0..7, top 2 bits of the
                        // upper four (16 >> 4 = 1) in bits 6..7 of bytes 0..7; bytes 8..11 hold their low nibbles (0).
                        for (int k = 0; k < 8; k++) dst[4 + k] = (byte)(KScale | 1 << 6);
                        for (int k = 8; k < 12; k++) dst[4 + k] = 0;
                        rng.Bytes(dst + 16, 128);
                    }
                    break;
                }
                case WeightType.Q6_K:
                {
                    var d = (Half)(_std / (KScale * Six32Std));
                    for (long b = 0; b < blocks; b++, dst += 210)
                    {
                        rng.Bytes(dst, 192);
                        for (int k = 0; k < 16; k++) dst[192 + k] = KScale;
                        Unsafe.WriteUnaligned(dst + 208, d);
                    }
                    break;
                }
                default:
                    throw new NotSupportedException($"Synthetic {_type} weights.");
            }
        }
    }
}
