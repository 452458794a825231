namespace Splitwise.Kernels.Cpu;

public static unsafe partial class CpuKernels
{
    /// <summary>
    /// Rotates one head vector in place with this position's cos/sin (headDim/2 each), computed once per token and
    /// shared by all its heads. rotate_half pairs (j, j + headDim/2); interleaved pairs (2j, 2j+1).
    /// </summary>
    public static void RotateHead(float* head, int headDim, float* cos, float* sin, bool interleaved)
    {
        int half = headDim / 2;
        if (interleaved)
        {
            for (int j = 0; j < half; j++)
            {
                float x0 = head[2 * j], x1 = head[2 * j + 1];
                head[2 * j] = x0 * cos[j] - x1 * sin[j];
                head[2 * j + 1] = x0 * sin[j] + x1 * cos[j];
            }
        }
        else
        {
            for (int j = 0; j < half; j++)
            {
                float x0 = head[j], x1 = head[j + half];
                head[j] = x0 * cos[j] - x1 * sin[j];
                head[j + half] = x0 * sin[j] + x1 * cos[j];
            }
        }
    }
}
