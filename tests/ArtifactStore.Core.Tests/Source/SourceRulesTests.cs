using System.Text;
using System.Text.RegularExpressions;

namespace ArtifactStore.Core.Tests.Source;

/// <summary>
/// Rules read from the sources under <c>src/</c>, so that a class of wrong answers cannot come back with new code:
/// every pattern is a source-generated regex anchored at the very end (<c>\z</c>; .NET's <c>$</c> also matches before
/// a final line break, so <c>"name\n"</c> passed); times are read only by <c>Rfc3339</c>; ids that arrive from
/// outside are read only by <c>CanonicalId</c>; each libc function has one P/Invoke.
/// </summary>
public sealed partial class SourceRulesTests
{
    private static readonly string Root = FindRoot();

    [Fact]
    public void every_regex_is_source_generated_so_the_pattern_rules_see_it()
    {
        var offenders = SourceFiles()
            .Where(f => RuntimeRegex().IsMatch(f.Text))
            .Select(f => f.Path)
            .ToList();
        Assert.True(offenders.Count == 0, "build patterns with [GeneratedRegex] instead: " + string.Join(", ", offenders));
    }

    [Fact]
    public void no_pattern_uses_dollar_or_unicode_digits()
    {
        var patterns = SourceFiles()
            .SelectMany(f => GeneratedRegexAttribute().Matches(f.Text).Select(m => (f.Path, Pattern: Decode(m))))
            .ToList();
        Assert.NotEmpty(patterns);
        var offenders = patterns.Where(p => PatternProblem(p.Pattern) is not null)
            .Select(p => $"{p.Path}: {p.Pattern} ({PatternProblem(p.Pattern)})")
            .ToList();
        Assert.True(offenders.Count == 0, string.Join(Environment.NewLine, offenders));
    }

    [Theory]
    [InlineData("^[a-z]+$", false)]
    [InlineData(@"\A[a-z]+$", false)]
    [InlineData(@"\A(a|b$)\z", false)]
    [InlineData(@"\A[0-9]\d\z", false)]
    [InlineData(@"\A[a-z]+\z", true)]
    [InlineData(@"\A[$]\$\\\z", true)]
    [InlineData(@"listening on (http://[0-9.:]+)", true)]
    public void the_pattern_rule_tells_good_from_bad(string pattern, bool acceptable) =>
        Assert.Equal(acceptable, PatternProblem(pattern) is null);

    [Fact]
    public void times_are_parsed_only_by_rfc3339()
    {
        var offenders = SourceFiles()
            .Where(f => !f.Path.EndsWith("Core/Time/Rfc3339.cs", StringComparison.Ordinal) && TimeParsing().IsMatch(f.Text))
            .Select(f => f.Path)
            .ToList();
        Assert.True(offenders.Count == 0, "parse times with Rfc3339.TryParse / Rfc3339.Read: " + string.Join(", ", offenders));
    }

    [Fact]
    public void ids_from_outside_are_parsed_only_by_canonical_id()
    {
        // The projects that read requests and command lines; Core reads back only ids it wrote itself.
        string[] boundaries = ["src/ArtifactStore.Server/", "src/ArtifactStore.Cli/", "src/ArtifactStore.Client/"];
        var offenders = SourceFiles()
            .Where(f => boundaries.Any(b => f.Path.StartsWith(b, StringComparison.Ordinal)) && GuidParsing().IsMatch(f.Text))
            .Select(f => f.Path)
            .ToList();
        Assert.Contains(SourceFiles(), f => f.Path.StartsWith(boundaries[0], StringComparison.Ordinal));
        Assert.True(offenders.Count == 0, "read ids with CanonicalId.TryParse / CanonicalId.Read / RouteIds: " + string.Join(", ", offenders));
    }

    [Fact]
    public void each_libc_function_is_declared_once()
    {
        // Platform/Posix holds the shared calls; a second P/Invoke of the same function is a copy to keep in step.
        var declarations = SourceFiles()
            .SelectMany(f => LibcImport().Matches(f.Text).Select(m => (f.Path, Function: m.Groups["function"].Value)))
            .ToList();
        Assert.Contains(declarations, d => d.Function == "fcntl");
        var offenders = declarations.GroupBy(d => d.Function)
            .Where(g => g.Count() > 1)
            .Select(g => $"{g.Key}: {string.Join(", ", g.Select(d => d.Path))}")
            .ToList();
        Assert.True(offenders.Count == 0, "declare each libc function once, in Core/Platform/Posix.cs: " + string.Join("; ", offenders));
    }

    /// <summary>Why the pattern is unacceptable, or null. Escapes and character classes are skipped, where '$' is a literal.</summary>
    private static string? PatternProblem(string pattern)
    {
        var inClass = false;
        for (var i = 0; i < pattern.Length; i++)
        {
            var c = pattern[i];
            if (c == '\\' && i + 1 < pattern.Length)
            {
                if (pattern[i + 1] == 'd' || pattern[i + 1] == 'D')
                {
                    return @"\d matches the digits of every script; write [0-9]";
                }

                i++;
            }
            else if (inClass)
            {
                inClass = c != ']';
            }
            else if (c == '[')
            {
                inClass = true;
            }
            else if (c == '$')
            {
                return @"'$' also matches before a final line break; end with \z";
            }
        }

        return null;
    }

    private static string Decode(Match match)
    {
        var literal = match.Groups["body"].Value;
        if (match.Groups["verbatim"].Success)
        {
            return literal.Replace("\"\"", "\"", StringComparison.Ordinal);
        }

        var text = new StringBuilder();
        for (var i = 0; i < literal.Length; i++)
        {
            if (literal[i] == '\\' && i + 1 < literal.Length)
            {
                i++;
                text.Append(literal[i] switch { 'n' => '\n', 'r' => '\r', 't' => '\t', var other => other });
            }
            else
            {
                text.Append(literal[i]);
            }
        }

        return text.ToString();
    }

    private static List<(string Path, string Text)> SourceFiles() =>
        [.. Directory.EnumerateFiles(Path.Combine(Root, "src"), "*.cs", SearchOption.AllDirectories)
            .Select(p => Path.GetRelativePath(Root, p).Replace('\\', '/'))
            .Where(p => !p.Contains("/obj/", StringComparison.Ordinal) && !p.Contains("/bin/", StringComparison.Ordinal))
            .Select(p => (p, File.ReadAllText(Path.Combine(Root, p))))];

    private static string FindRoot()
    {
        for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            if (File.Exists(Path.Combine(directory.FullName, "ArtifactStore.slnx")))
            {
                return directory.FullName;
            }
        }

        throw new InvalidOperationException($"no ArtifactStore.slnx above {AppContext.BaseDirectory}");
    }

    [GeneratedRegex(@"GeneratedRegex\(\s*(?:(?<verbatim>@)""(?<body>(?:[^""]|"""")*)""|""(?<body>(?:[^""\\]|\\.)*)"")")]
    private static partial Regex GeneratedRegexAttribute();

    [GeneratedRegex(@"new\s+Regex\s*\(|\bRegex\.(?:IsMatch|Match|Matches|Replace|Split)\s*\(")]
    private static partial Regex RuntimeRegex();

    [GeneratedRegex(@"\b(?:DateTime|DateTimeOffset|DateOnly|TimeOnly)\.(?:Try)?Parse(?:Exact)?\s*\(")]
    private static partial Regex TimeParsing();

    [GeneratedRegex(@"LibraryImport\(\s*""libc""\s*,\s*EntryPoint\s*=\s*""(?<function>[A-Za-z0-9_]+)""")]
    private static partial Regex LibcImport();

    [GeneratedRegex(@"\bGuid\.(?:Try)?Parse(?:Exact)?\s*\(")]
    private static partial Regex GuidParsing();
}
