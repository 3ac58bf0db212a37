using System.Globalization;
using System.Text.RegularExpressions;
using ArtifactStore.Core.Errors;

namespace ArtifactStore.Core.Time;

/// <summary>
/// Times as the API and the event log write them: RFC 3339, UTC, milliseconds, <c>Z</c>. Every time the store reads
/// (request bodies, query strings, command options, stored events) goes through <see cref="TryParse"/>, which takes
/// only an RFC 3339 <c>date-time</c>: full date, <c>T</c>, full time, and an offset (<c>Z</c> or <c>±hh:mm</c>).
/// .NET's own parser would also take <c>01/02/2099</c>, <c>Jan 1 2099</c> or a time without an offset (silently
/// read as UTC), each a guess about what the caller meant.
/// </summary>
public static partial class Rfc3339
{
    /// <summary>Shown to callers whose time is refused.</summary>
    public const string Example = "2027-01-31T00:00:00Z";

    private const string Format = "yyyy-MM-dd'T'HH:mm:ss.fff'Z'";

    /// <summary>Drops sub-millisecond precision so that a stored time reads back equal.</summary>
    public static DateTimeOffset Truncate(DateTimeOffset value)
    {
        var utc = value.ToUniversalTime();
        return new DateTimeOffset(utc.Ticks - (utc.Ticks % TimeSpan.TicksPerMillisecond), TimeSpan.Zero);
    }

    public static string ToText(DateTimeOffset value) =>
        Truncate(value).ToString(Format, CultureInfo.InvariantCulture);

    /// <exception cref="FormatException">The text is not an RFC 3339 date-time with an offset.</exception>
    public static DateTimeOffset Parse(string text) =>
        TryParse(text, out var value) ? value : throw new FormatException($"'{text}' is not an RFC 3339 time with an offset");

    /// <summary>
    /// Reads an RFC 3339 <c>date-time</c> (<c>T</c> and <c>Z</c> in either case, as RFC 3339 allows; fractions of a
    /// second of any length, kept to 100 ns) and converts it to UTC. A leap second (<c>:60</c>) is refused: no clock
    /// this store reads from produces one.
    /// </summary>
    public static bool TryParse(string? text, out DateTimeOffset value)
    {
        value = default;
        if (text is null || DateTimePattern().Match(text) is not { Success: true } match)
        {
            return false;
        }

        int Number(string group) => int.Parse(match.Groups[group].ValueSpan, NumberStyles.None, CultureInfo.InvariantCulture);

        var (year, month, day) = (Number("year"), Number("month"), Number("day"));
        var (hour, minute, second) = (Number("hour"), Number("minute"), Number("second"));
        if (year < 1 || month is < 1 or > 12 || day < 1 || day > DateTime.DaysInMonth(year, month) ||
            hour > 23 || minute > 59 || second > 59)
        {
            return false;
        }

        var offset = TimeSpan.Zero;
        if (match.Groups["offsetHour"].Success)
        {
            var (offsetHour, offsetMinute) = (Number("offsetHour"), Number("offsetMinute"));
            if (offsetHour > 23 || offsetMinute > 59)
            {
                return false;
            }

            offset = new TimeSpan(offsetHour, offsetMinute, 0);
            if (match.Groups["sign"].ValueSpan[0] == '-')
            {
                offset = -offset;
            }
        }

        // Fractions beyond 100 ns (7 digits) cannot be represented; they are dropped, not rounded up into the next second.
        var fraction = match.Groups["fraction"].Value;
        var ticks = fraction.Length == 0 ? 0 : long.Parse(fraction.PadRight(7, '0')[..7], NumberStyles.None, CultureInfo.InvariantCulture);
        try
        {
            value = new DateTimeOffset(year, month, day, hour, minute, second, offset).AddTicks(ticks).ToUniversalTime();
            return true;
        }
        catch (ArgumentOutOfRangeException)
        {
            // A time at the very edge of the calendar whose offset moves it outside what can be represented.
            return false;
        }
    }

    /// <summary>Reads the time in the request field (or query parameter) <paramref name="field"/>; a refusal names it.</summary>
    public static Result<DateTimeOffset> Read(string? text, string field) =>
        TryParse(text, out var value)
            ? value
            : StoreError.Validation($"{field} must be an RFC 3339 time with an offset, e.g. {Example}", field);

    // [0-9], not \d: \d also matches the digits of other scripts.
    [GeneratedRegex(
        @"\A(?<year>[0-9]{4})-(?<month>[0-9]{2})-(?<day>[0-9]{2})[Tt](?<hour>[0-9]{2}):(?<minute>[0-9]{2}):(?<second>[0-9]{2})(?:\.(?<fraction>[0-9]+))?(?:[Zz]|(?<sign>[+-])(?<offsetHour>[0-9]{2}):(?<offsetMinute>[0-9]{2}))\z",
        RegexOptions.CultureInvariant | RegexOptions.ExplicitCapture)]
    private static partial Regex DateTimePattern();
}
