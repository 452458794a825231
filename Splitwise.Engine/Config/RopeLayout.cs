namespace Splitwise.Engine.Config;

/// <summary>
/// Which pairs of a head vector RoPE rotates, as the loaded q/k weight rows are laid out.
/// Hugging Face Llama checkpoints use rotate_half; Meta/llama2.c checkpoints and llama.cpp's GGUF "llama" files
/// keep the interleaved order. The forward pass follows the layout instead of permuting rows at load time,
/// so memory-mapped weights stay untouched.
/// </summary>
public enum RopeLayout
{
    /// <summary>Pairs (j, j + headDim/2).</summary>
    RotateHalf,
    /// <summary>Pairs (2j, 2j + 1).</summary>
    Interleaved,
}
