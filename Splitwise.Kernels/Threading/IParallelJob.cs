namespace Splitwise.Kernels.Threading;

/// <summary>A unit of parallel work split into numbered chunks. A struct, so a hand-off allocates nothing.</summary>
public interface IParallelJob
{
    void Execute(int chunk);
}
