using System.Text.RegularExpressions;

namespace ArtifactStore.Core.Packages;

/// <summary>
/// The rules for names, file paths and labels (docs/api.md, docs/security.md). Each check returns null when the value
/// is acceptable, else a sentence that says what is wrong, for the caller to read.
/// </summary>
public static partial class PackageValidation
{
    public const int MaxNameLength = 200;
    public const int MaxPathBytes = 1024;
    public const int MaxLabelKeyLength = 63;
    public const int MaxLabelValueLength = 256;

    public static string? CheckName(string? name)
    {
        if (string.IsNullOrEmpty(name))
        {
            return "name is required";
        }

        if (name.Length > MaxNameLength)
        {
            return $"name is longer than {MaxNameLength} characters";
        }

        if (!NameCharacters().IsMatch(name))
        {
            return "name may contain only A-Z, a-z, 0-9, '.', '_', '-' and '/'";
        }

        return CheckSegments(name, "name");
    }

    public static string? CheckPath(string? path)
    {
        if (string.IsNullOrEmpty(path))
        {
            return "a file part has no file name (its path in the package)";
        }

        if (System.Text.Encoding.UTF8.GetByteCount(path) > MaxPathBytes)
        {
            return $"path '{Shorten(path)}' is longer than {MaxPathBytes} bytes";
        }

        if (path.Any(char.IsControl))
        {
            return $"path '{Shorten(path)}' contains a control character";
        }

        if (path.Contains('\\', StringComparison.Ordinal))
        {
            return $"path '{Shorten(path)}' contains a backslash; use '/' between segments";
        }

        if (path.Contains('\uFFFD', StringComparison.Ordinal) || !IsWellFormedUtf16(path))
        {
            return $"path '{Shorten(path)}' is not valid UTF-8";
        }

        return CheckSegments(path, "path");
    }

    /// <summary>
    /// What makes two paths the same path in one package: Unicode canonical equivalence (equal after NFC
    /// normalisation, equivalently after NFD). <c>é</c> typed as one code point (NFC, as most systems write it) and as
    /// <c>e</c> plus a combining accent (NFD, as macOS writes file names) look the same to every person and most
    /// tools, so a package holds at most one of them. Only for a path that <see cref="CheckPath"/> accepted.
    /// </summary>
    public static string PathKey(string path) => Text.CanonicalForm.Decompose(path);

    public static string? CheckLabel(string key, string value)
    {
        if (key.Length is 0 or > MaxLabelKeyLength || !LabelKey().IsMatch(key))
        {
            return $"label key '{Shorten(key)}' must be 1-{MaxLabelKeyLength} characters of A-Z, a-z, 0-9, '.', '_', '-', '/', starting with a letter or digit";
        }

        if (value.Length > MaxLabelValueLength)
        {
            return $"label '{key}' has a value longer than {MaxLabelValueLength} characters";
        }

        if (value.Any(char.IsControl) || !IsWellFormedUtf16(value))
        {
            return $"label '{key}' has a value with a control character or invalid text";
        }

        return null;
    }

    private static string? CheckSegments(string value, string what)
    {
        if (value.StartsWith('/'))
        {
            return $"{what} '{Shorten(value)}' is absolute; it must be relative";
        }

        if (value.EndsWith('/'))
        {
            return $"{what} '{Shorten(value)}' ends with '/'";
        }

        foreach (var segment in value.Split('/'))
        {
            if (segment.Length == 0)
            {
                return $"{what} '{Shorten(value)}' contains an empty segment ('//')";
            }

            if (segment is "." or "..")
            {
                return $"{what} '{Shorten(value)}' contains a '{segment}' segment";
            }
        }

        return null;
    }

    private static bool IsWellFormedUtf16(string value)
    {
        for (var i = 0; i < value.Length; i++)
        {
            if (char.IsHighSurrogate(value[i]))
            {
                if (i + 1 >= value.Length || !char.IsLowSurrogate(value[i + 1]))
                {
                    return false;
                }

                i++;
            }
            else if (char.IsLowSurrogate(value[i]))
            {
                return false;
            }
        }

        return true;
    }

    private static string Shorten(string value)
    {
        var printable = new string(value.Take(80).Select(c => char.IsControl(c) ? '?' : c).ToArray());
        return value.Length > 80 ? printable + "…" : printable;
    }

    [GeneratedRegex(@"\A[A-Za-z0-9._/-]+\z", RegexOptions.CultureInvariant)]
    private static partial Regex NameCharacters();

    [GeneratedRegex(@"\A[A-Za-z0-9][A-Za-z0-9._/-]*\z", RegexOptions.CultureInvariant)]
    private static partial Regex LabelKey();
}
