using System.Runtime.CompilerServices;
using Splitwise.Engine.Cache;
using Splitwise.Engine.Config;
using Splitwise.Engine.Transfer;
using Splitwise.Kernels;
using Splitwise.Kernels.Cpu;
using Splitwise.Kernels.Threading;
using K = Splitwise.Kernels.Cpu.CpuKernels;

namespace Splitwise.Engine.Model;

/// <summary>
/// The Llama forward pass, top to bottom: embed → for each layer (RMSNorm → q/k/v → RoPE → write K/V to the paged
/// cache → attention → o → residual; RMSNorm → gate/up → SiLU·mul → down → residual) → final RMSNorm → logits.
/// Every token of the batch goes through each matrix together, so prefill is a GEMM and decode of many
/// sequences is one too. In decode the kernels fold steps together to cut fork/joins on the worker pool: q/k/v go
/// out as one job, gate/up apply SiLU·mul as they finish, and o/down add straight into the residual stream.
/// Buffers are allocated once and reused.
/// </summary>
public sealed unsafe class LlamaForward : IDisposable
{
    private readonly LlamaWeights _weights;
    private readonly ModelConfig _config;
    private readonly KvCache _cache;
    private readonly WorkerPool _pool;
    private readonly Activations _act;
    private readonly float[] _invFrequencies;
    private readonly float _attentionScale;
    private readonly PinnedVectors _vectors;
    private readonly DecodeAttention _decodeAttention = new();

    public LlamaForward(LlamaWeights weights, KvCache cache, WorkerPool pool)
    {
        _weights = weights;
        _config = weights.Config;
        _cache = cache;
        _pool = pool;
        _act = new Activations(_config);
        _invFrequencies = RopeFrequencies.Compute(_config);
        _attentionScale = 1f / MathF.Sqrt(_config.HeadDim);
        _vectors = new PinnedVectors(weights);
    }

    public ModelConfig Config => _config;
    public KvCache Cache => _cache;
    /// <summary>When set, every pass charges its time step by step to this profile (the benchmark's profile mode).</summary>
    public ForwardProfile? Profile { get; set; }

    /// <summary>
    /// Runs the batch and returns the logits of its <see cref="ForwardBatch.LogitTokens"/>, [rows × VocabSize],
    /// valid until the next call.
    /// </summary>
    public ReadOnlySpan<float> Forward(ForwardBatch batch, IKvLayerSink? sink = null)
    {
        Validate(batch);
        var clock = Profile;
        clock?.Start();
        int n = batch.TokenCount, hidden = _config.HiddenSize;
        _act.EnsureCapacity(n, batch.LogitTokens.Length);
        Embed(batch);
        clock?.Lap(ForwardProfile.Step.Embed);

        for (int layer = 0; layer < _config.LayerCount; layer++)
        {
            var w = _weights.Layers[layer];
            for (int t = 0; t < n; t++)
                K.RmsNorm(_act.X + (long)t * hidden, _vectors.AttentionNorm(layer), _act.Normed + (long)t * hidden, hidden, _config.RmsNormEps);
            clock?.Lap(ForwardProfile.Step.Norm);

            MatMul.Multiply(w.Query, w.Key, w.Value, _act.Normed, n, _act.Query, _act.Key, _act.Value, _pool);
            if (w.QueryBias != null) AddBias(_act.Query, _vectors.QueryBias(layer), _config.QueryDim, n);
            if (w.KeyBias != null) AddBias(_act.Key, _vectors.KeyBias(layer), _config.KvDim, n);
            if (w.ValueBias != null) AddBias(_act.Value, _vectors.ValueBias(layer), _config.KvDim, n);
            clock?.Lap(ForwardProfile.Step.QkvProjection);

            ApplyRope(batch);
            clock?.Lap(ForwardProfile.Step.Rope);
            WriteKv(batch, layer);
            sink?.LayerWritten(layer, batch, _cache);
            clock?.Lap(ForwardProfile.Step.KvWrite);
            Attend(batch, layer);
            clock?.Lap(ForwardProfile.Step.Attention);

            MatMul.MultiplyAdd(w.Output, _act.Attention, n, _act.X, _pool); // x += o(attention)
            clock?.Lap(ForwardProfile.Step.OutputProjection);

            for (int t = 0; t < n; t++)
                K.RmsNorm(_act.X + (long)t * hidden, _vectors.FfnNorm(layer), _act.Normed + (long)t * hidden, hidden, _config.RmsNormEps);
            clock?.Lap(ForwardProfile.Step.Norm);
            MatMul.MultiplySwiGlu(w.Gate, w.Up, _act.Normed, n, _act.Gate, _act.Up, _pool); // gate = silu(gate(x)) · up(x)
            clock?.Lap(ForwardProfile.Step.FfnUpProjection);
            MatMul.MultiplyAdd(w.Down, _act.Gate, n, _act.X, _pool); // x += down(gate)
            clock?.Lap(ForwardProfile.Step.DownProjection);
        }

        int rows = batch.LogitTokens.Length;
        if (rows == 0) return ReadOnlySpan<float>.Empty;
        for (int r = 0; r < rows; r++)
            K.RmsNorm(_act.X + (long)batch.LogitTokens[r] * hidden, _vectors.FinalNorm, _act.Final + (long)r * hidden, hidden, _config.RmsNormEps);
        clock?.Lap(ForwardProfile.Step.Norm);
        MatMul.Multiply(_weights.Classifier, _act.Final, rows, _act.Logits, _pool);
        clock?.Lap(ForwardProfile.Step.Classifier);
        return new ReadOnlySpan<float>(_act.Logits, rows * _config.VocabSize);
    }

    private void Validate(ForwardBatch batch)
    {
        for (int s = 0; s < batch.Sequences.Count; s++)
        {
            var seq = batch.Sequences[s];
            int end = seq.StartPosition + seq.Tokens.Length;
            if (end > _config.MaxPositionEmbeddings)
                throw new ArgumentException($"Sequence {s} reaches position {end}, beyond the model's {_config.MaxPositionEmbeddings}.");
            int needBlocks = (end + _cache.BlockSize - 1) / _cache.BlockSize;
            if (batch.BlockTables[s].Length < needBlocks)
                throw new ArgumentException($"Sequence {s} needs {needBlocks} KV blocks for {end} tokens, its block table has {batch.BlockTables[s].Length}.");
            // The kernels index the cache with these ids unchecked: one past the end would read or write another process's memory.
            for (int b = 0; b < needBlocks; b++)
                if ((uint)batch.BlockTables[s][b] >= (uint)_cache.BlockCount)
                    throw new ArgumentException($"Sequence {s}'s block table entry {b} is block {batch.BlockTables[s][b]}, outside the KV cache's {_cache.BlockCount} blocks.");
            foreach (var token in seq.Tokens)
                if ((uint)token >= (uint)_config.VocabSize)
                    throw new ArgumentException($"Token id {token} is outside the vocabulary (0..{_config.VocabSize - 1}).");
        }
    }

    private void Embed(ForwardBatch batch)
    {
        int hidden = _config.HiddenSize;
        var table = _weights.TokenEmbedding;
        for (int t = 0; t < batch.TokenCount; t++)
            K.Dequantize(table.Type, table.Row(batch.TokenIds[t]), _act.X + (long)t * hidden, hidden);
    }

    private void ApplyRope(ForwardBatch batch)
    {
        int d = _config.HeadDim, half = d / 2;
        bool interleaved = _config.RopeLayout == RopeLayout.Interleaved;
        float* cos = stackalloc float[half];
        float* sin = stackalloc float[half];
        for (int t = 0; t < batch.TokenCount; t++)
        {
            int pos = batch.Positions[t];
            for (int j = 0; j < half; j++)
            {
                float angle = pos * _invFrequencies[j];
                cos[j] = MathF.Cos(angle);
                sin[j] = MathF.Sin(angle);
            }
            for (int h = 0; h < _config.HeadCount; h++)
                K.RotateHead(_act.Query + (long)t * _config.QueryDim + h * d, d, cos, sin, interleaved);
            for (int h = 0; h < _config.KvHeadCount; h++)
                K.RotateHead(_act.Key + (long)t * _config.KvDim + h * d, d, cos, sin, interleaved);
        }
    }

    private void WriteKv(ForwardBatch batch, int layer)
    {
        int bs = _cache.BlockSize;
        for (int t = 0; t < batch.TokenCount; t++)
        {
            int pos = batch.Positions[t];
            int block = batch.BlockTables[batch.SequenceIndex[t]][pos / bs];
            _cache.Write(layer, block, pos % bs, _act.Key + (long)t * _config.KvDim, _act.Value + (long)t * _config.KvDim);
        }
    }

    /// <summary>Query tokens per attention chunk: they share every K/V tile they read.</summary>
    private const int AttentionRun = 8;

    private void Attend(ForwardBatch batch, int layer)
    {
        var kv = new PagedKvView(_cache.KeyBase(layer), _cache.ValueBase(layer), _config.KvHeadCount, _config.HeadDim,
                                 _cache.BlockSize, _cache.DataType == KvDataType.F16);
        if (batch.TokenCount == batch.Sequences.Count && DecodeAttention.Supports(kv))
        {
            // A decode step: one token per sequence, split by KV blocks rather than by KV head.
            Span<int> contexts = batch.TokenCount <= 256 ? stackalloc int[batch.TokenCount] : new int[batch.TokenCount];
            for (int s = 0; s < contexts.Length; s++) contexts[s] = batch.Positions[batch.FirstToken[s]] + 1;
            _decodeAttention.Run(_act.Query, _config.QueryDim, contexts, batch.BlockTables, kv, _config.HeadCount / _config.KvHeadCount,
                                 _attentionScale, _act.Attention, _pool);
            return;
        }
        var runs = new List<int>();
        for (int s = 0; s < batch.Sequences.Count; s++)
            for (int i = 0; i < batch.Sequences[s].Tokens.Length; i += AttentionRun) runs.Add(batch.FirstToken[s] + i);
        var job = new AttentionJob
        {
            Batch = batch,
            RunStarts = runs.ToArray(),
            Kv = kv,
            Query = _act.Query,
            Output = _act.Attention,
            QueryDim = _config.QueryDim,
            GroupSize = _config.HeadCount / _config.KvHeadCount,
            Scale = _attentionScale,
        };
        _pool.For(runs.Count * _config.KvHeadCount, ref job);
    }

    /// <summary>One chunk = up to <see cref="AttentionRun"/> consecutive tokens of one sequence × one KV head and its GQA group.</summary>
    private struct AttentionJob : IParallelJob
    {
        public ForwardBatch Batch;
        public int[] RunStarts;
        public PagedKvView Kv;
        public float* Query;
        public float* Output;
        public int QueryDim;
        public int GroupSize;
        public float Scale;

        // The scratch is written before it is read; zeroing it (tens of KB in decode) would cost more than the softmax.
        [SkipLocalsInit]
        public void Execute(int chunk)
        {
            int first = RunStarts[chunk / Kv.KvHeadCount], kvHead = chunk % Kv.KvHeadCount;
            int seq = Batch.SequenceIndex[first];
            int seqEnd = Batch.FirstToken[seq] + Batch.Sequences[seq].Tokens.Length;
            int run = Math.Min(AttentionRun, seqEnd - first);
            float* scratch = stackalloc float[PagedAttention.ScratchFloats(run, GroupSize, Kv.HeadDim, Kv.BlockSize)];
            long offset = (long)first * QueryDim + (long)kvHead * GroupSize * Kv.HeadDim;
            PagedAttention.Attend(Query + offset, QueryDim, run, GroupSize, kvHead, Kv, Batch.BlockTables[seq],
                                  Batch.Positions[first] + 1, Scale, Output + offset, scratch);
        }
    }

    private static void AddBias(float* rows, float* bias, int width, int n)
    {
        for (int t = 0; t < n; t++) AddInto(rows + (long)t * width, bias, width);
    }

    private static void AddInto(float* dst, float* src, long count)
    {
        var d = new Span<float>(dst, checked((int)count));
        System.Numerics.Tensors.TensorPrimitives.Add(d, new ReadOnlySpan<float>(src, (int)count), d);
    }

    public void Dispose()
    {
        _act.Dispose();
        _vectors.Dispose();
        _decodeAttention.Dispose();
    }
}
