using System.Globalization;
using System.Text;

namespace ArtifactStore.Core.Encoding;

/// <summary>
/// ECMAScript's Number::toString (ECMA-262 §6.1.6.1.20), which RFC 8785 §3.2.2.3 makes the JSON
/// number format. The shortest round-trip digits come from .NET's "R" formatting; only the layout
/// (plain, fraction, or exponent) is decided here, because .NET's layout rules differ from JavaScript's.
/// </summary>
internal static class EcmaScriptNumber
{
    /// <summary>Formats a finite <paramref name="value"/>; NaN and infinities are the caller's to reject.</summary>
    public static string Format(double value)
    {
        if (value == 0)
        {
            return "0"; // Both zeros print as "0" in JavaScript.
        }

        var builder = new StringBuilder(32);
        if (value < 0)
        {
            builder.Append('-');
            value = -value;
        }

        Span<char> digits = stackalloc char[32];
        var k = ShortestDigits(value, digits, out var n);
        var s = digits[..k];

        // Per the spec: the value is s × 10^(n−k), with s having k digits and no trailing zero.
        if (k <= n && n <= 21)
        {
            builder.Append(s).Append('0', n - k);
        }
        else if (0 < n && n <= 21)
        {
            builder.Append(s[..n]).Append('.').Append(s[n..]);
        }
        else if (-6 < n && n <= 0)
        {
            builder.Append("0.").Append('0', -n).Append(s);
        }
        else
        {
            builder.Append(s[0]);
            if (k > 1)
            {
                builder.Append('.').Append(s[1..]);
            }

            var exponent = n - 1;
            builder.Append('e').Append(exponent < 0 ? '-' : '+').Append(Math.Abs(exponent).ToString(CultureInfo.InvariantCulture));
        }

        return builder.ToString();
    }

    /// <summary>
    /// Writes the shortest decimal digits that round-trip to <paramref name="value"/> (positive, finite)
    /// and returns how many; <paramref name="pointPosition"/> is where the decimal point goes relative to them.
    /// </summary>
    private static int ShortestDigits(double value, Span<char> digits, out int pointPosition)
    {
        // "R" yields e.g. "123.45", "1E+21" or "1.2345E-07"; all we need are its digits and exponent.
        var text = value.ToString("R", CultureInfo.InvariantCulture);
        var exponentAt = text.IndexOfAny('E', 'e');
        var exponent = 0;
        var mantissa = text.AsSpan();
        if (exponentAt >= 0)
        {
            exponent = int.Parse(text.AsSpan(exponentAt + 1), NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture);
            mantissa = mantissa[..exponentAt];
        }

        // Collect every digit and note how many stand before the point.
        Span<char> all = stackalloc char[32];
        var total = 0;
        var beforePoint = -1;
        foreach (var c in mantissa)
        {
            if (c == '.')
            {
                beforePoint = total;
            }
            else
            {
                all[total++] = c;
            }
        }

        // Leading zeros (as in "0.001") are no digits of s; dropping them moves the point left.
        var lead = 0;
        while (lead < total - 1 && all[lead] == '0')
        {
            lead++;
        }

        var integerDigits = (beforePoint < 0 ? total : beforePoint) - lead;
        var count = total - lead;
        while (count > 1 && all[lead + count - 1] == '0')
        {
            count--;
        }

        all.Slice(lead, count).CopyTo(digits);
        pointPosition = integerDigits + exponent;
        return count;
    }
}
