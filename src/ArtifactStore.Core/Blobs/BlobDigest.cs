using System.Diagnostics.CodeAnalysis;

namespace ArtifactStore.Core.Blobs;

/// <summary>A blob's address: <c>sha256:&lt;64 lowercase hex&gt;</c>.</summary>
public readonly record struct BlobDigest
{
    public const string Prefix = "sha256:";

    private BlobDigest(string hex) => Hex = hex;

    /// <summary>The 64 lowercase hex characters, without the prefix.</summary>
    public string Hex { get; }

    public static BlobDigest FromBytes(ReadOnlySpan<byte> sha256) => new(Convert.ToHexStringLower(sha256));

    /// <summary>Accepts <c>sha256:&lt;hex&gt;</c> or bare hex; only lowercase hex of the right length.</summary>
    public static bool TryParse(string? text, [NotNullWhen(true)] out BlobDigest? digest)
    {
        digest = null;
        if (text is null)
        {
            return false;
        }

        var hex = text.StartsWith(Prefix, StringComparison.Ordinal) ? text[Prefix.Length..] : text;
        if (hex.Length != 64 || !hex.All(c => c is >= '0' and <= '9' or >= 'a' and <= 'f'))
        {
            return false;
        }

        digest = new BlobDigest(hex);
        return true;
    }

    public static BlobDigest Parse(string text) =>
        TryParse(text, out var digest) ? digest.Value : throw new FormatException($"'{text}' is not a sha256 digest");

    public override string ToString() => Prefix + Hex;
}
