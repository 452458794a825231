namespace Splitwise.LoadTest.Plotting;

/// <summary>Okabe–Ito colours: distinguishable with the common colour-vision deficiencies.</summary>
public static class Palette
{
    public const string Blue = "#0072B2";
    public const string Vermillion = "#D55E00";
    public const string Green = "#009E73";
    public const string Purple = "#CC79A7";
    public const string Orange = "#E69F00";
    public const string Sky = "#56B4E9";
    public const string Grey = "#555555";
    public const string ErrorRed = "#C00000";
}
