using Splitwise.Engine.Cache;
using Splitwise.Engine.Model;
using Splitwise.Engine.Transfer;

namespace Splitwise.Tests.Support;

/// <summary>
/// The simplest KV handoff: as each layer is written on the prompt side, copy it into the blocks reserved on the
/// token side. The silo's stream sender does the same over a socket; this one stands in for it in engine tests.
/// </summary>
public sealed class CacheToCacheSink : IKvLayerSink
{
    private readonly Dictionary<long, (KvCache Cache, IReadOnlyList<int> Blocks)> _routes = [];

    public int LayerCopies { get; private set; }

    public void Route(long sourceSequenceId, KvCache target, IReadOnlyList<int> targetBlocks) => _routes[sourceSequenceId] = (target, targetBlocks);

    public void LayerWritten(int layer, ForwardBatch batch, KvCache cache)
    {
        for (int s = 0; s < batch.Sequences.Count; s++)
        {
            var seq = batch.Sequences[s];
            if (!_routes.TryGetValue(seq.SequenceId, out var route)) continue;
            cache.CopyLayerTo(route.Cache, layer, batch.BlockTables[s], route.Blocks, seq.StartPosition + seq.Tokens.Length);
            LayerCopies++;
        }
    }
}
