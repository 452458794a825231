using Splitwise.Engine.Cache;
using Splitwise.Engine.Model;

namespace Splitwise.Engine.Transfer;

/// <summary>
/// Told, inside the forward pass, when one layer's K and V for the whole batch are in the cache, so a prompt
/// machine can ship that layer while the next one computes. The engine knows no sockets: the silo implements this.
/// </summary>
public interface IKvLayerSink
{
    void LayerWritten(int layer, ForwardBatch batch, KvCache cache);
}
