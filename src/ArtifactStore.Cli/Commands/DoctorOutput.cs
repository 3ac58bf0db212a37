using ArtifactStore.Core.Health;

namespace ArtifactStore.Cli.Commands;

/// <summary>Prints the doctor's findings as they come: one line per check, the remedy under each problem.</summary>
internal sealed class DoctorOutput
{
    private readonly TextWriter _out = Console.Out;
    private int _checks;
    private int _problems;

    public void Heading(string text) => _out.WriteLine(text);

    public void Note(string text) => _out.WriteLine($"  note     {text}");

    public void Add(HealthCheck check)
    {
        _checks++;
        if (check.IsOk)
        {
            _out.WriteLine($"  ok       {check.Name,-12} {check.Detail}".TrimEnd());
            return;
        }

        _problems++;
        _out.WriteLine($"  PROBLEM  {check.Name,-12} {check.Problem}");
        _out.WriteLine($"           {"",-12} remedy: {check.Remedy}");
    }

    /// <summary>Prints the summary; true when every check passed.</summary>
    public bool Finish()
    {
        _out.WriteLine(_problems == 0
            ? $"all {_checks} checks pass"
            : $"{_problems} of {_checks} checks found a problem");

        // doctor is quick because it reads no stored bytes; say so, or a pass reads as "the data is sound".
        _out.WriteLine("doctor reads no blob contents and does not replay the event log: run 'artifactstore fsck' to verify every blob and the chain");
        return _problems == 0;
    }
}
