using System.Buffers.Text;
using System.Globalization;
using System.Runtime.CompilerServices;
using System.Text;
using River.Components.Telemetry.Metrics;

namespace River.Components.Prom.Exposition;

/// <summary>The two text formats a scrape may return.</summary>
public enum ExpositionFormat
{
    /// <summary>Prometheus text format 0.0.4 (<c>text/plain; version=0.0.4</c>): timestamps in milliseconds.</summary>
    PrometheusText,

    /// <summary>OpenMetrics 1.0 (<c>application/openmetrics-text</c>): timestamps in seconds, must end with <c># EOF</c>.</summary>
    OpenMetrics,
}

/// <summary>What <see cref="ExpositionParser.Next"/> found.</summary>
public enum ExpositionEntry
{
    /// <summary>The end of the input (after <c># EOF</c> for OpenMetrics).</summary>
    End,

    /// <summary>A sample line: <see cref="ExpositionParser.MetricName"/>, labels, value, optional timestamp.</summary>
    Sample,

    /// <summary><c># HELP name text</c>.</summary>
    Help,

    /// <summary><c># TYPE name type</c>.</summary>
    Type,

    /// <summary><c># UNIT name unit</c> (OpenMetrics).</summary>
    Unit,

    /// <summary>The input is invalid; <see cref="ExpositionParser.Error"/> says where and why. Parsing stops.</summary>
    Error,
}

/// <summary>
/// A pull parser for the Prometheus text format 0.0.4 and OpenMetrics 1.0 over UTF-8 bytes. It allocates nothing
/// per sample: names, label names and values are exposed as spans into the input (values still escaped, see
/// <see cref="LabelValueHasEscapes"/>), and <see cref="SeriesKey"/> gives the raw bytes identifying the series so a
/// caller can cache the decoded <see cref="LabelSet"/> across scrapes. One instance parses one input at a time.
/// </summary>
public sealed class ExpositionParser
{
    private byte[] _data = [];
    private int _end;
    private int _pos;
    private int _lineStart;
    private int _lineEnd;
    private ExpositionFormat _format;
    private bool _sawEof;
    private bool _failed;

    // Current entry. Label k occupies _labels[4k .. 4k+3] = name start, name length, value start, value length.
    private int _nameStart;
    private int _nameLength;
    private int _seriesEnd;
    private int[] _labels = new int[64];
    private bool[] _labelEscaped = new bool[16];
    private int _textStart;
    private int _textLength;

    /// <summary>Starts parsing <paramref name="length"/> bytes of <paramref name="data"/>.</summary>
    public void Reset(byte[] data, int length, ExpositionFormat format)
    {
        ArgumentNullException.ThrowIfNull(data);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(length, data.Length);
        _data = data;
        _end = length;
        _pos = 0;
        _format = format;
        _sawEof = false;
        _failed = false;
        LineNumber = 0;
        Error = null;
    }

    /// <summary>The format being parsed.</summary>
    public ExpositionFormat Format => _format;

    /// <summary>The 1-based line number of the current entry.</summary>
    public int LineNumber { get; private set; }

    /// <summary>After <see cref="ExpositionEntry.Error"/>: <c>line N:C: what went wrong: "line text"</c>.</summary>
    public string? Error { get; private set; }

    /// <summary>The metric name of a sample, or the family name of HELP/TYPE/UNIT.</summary>
    public ReadOnlySpan<byte> MetricName => _data.AsSpan(_nameStart, _nameLength);

    /// <summary>The bytes from the metric name to the closing brace: identical bytes mean the identical series.</summary>
    public ReadOnlySpan<byte> SeriesKey => _data.AsSpan(_nameStart, _seriesEnd - _nameStart);

    /// <summary>Number of labels of the current sample.</summary>
    public int LabelCount { get; private set; }

    /// <summary>The name of label <paramref name="index"/>.</summary>
    public ReadOnlySpan<byte> LabelName(int index) => _data.AsSpan(_labels[4 * index], _labels[(4 * index) + 1]);

    /// <summary>The raw (possibly escaped) value of label <paramref name="index"/>.</summary>
    public ReadOnlySpan<byte> LabelValueRaw(int index) => _data.AsSpan(_labels[(4 * index) + 2], _labels[(4 * index) + 3]);

    /// <summary>True when the raw value of label <paramref name="index"/> contains a backslash escape.</summary>
    public bool LabelValueHasEscapes(int index) => _labelEscaped[index];

    /// <summary>The value of label <paramref name="index"/> with escapes resolved.</summary>
    public string LabelValue(int index)
    {
        var raw = LabelValueRaw(index);
        return _labelEscaped[index] ? Unescape(raw, quoteEscapes: true) : Encoding.UTF8.GetString(raw);
    }

    /// <summary>The sample value.</summary>
    public double Value { get; private set; }

    /// <summary>True when the sample line carried a timestamp.</summary>
    public bool HasTimestamp { get; private set; }

    /// <summary>The sample timestamp in milliseconds (OpenMetrics seconds are converted).</summary>
    public long TimestampMs { get; private set; }

    /// <summary>The metric type of a <see cref="ExpositionEntry.Type"/> line.</summary>
    public MetricType MetricType { get; private set; }

    /// <summary>The text of a HELP or UNIT line, unescaped.</summary>
    public string MetadataText => Unescape(_data.AsSpan(_textStart, _textLength), quoteEscapes: _format == ExpositionFormat.OpenMetrics);

    /// <summary>Reads the next entry. Comments and (text format) blank lines are skipped.</summary>
    public ExpositionEntry Next()
    {
        if (_failed)
        {
            return ExpositionEntry.Error;
        }

        while (true)
        {
            if (_pos >= _end)
            {
                if (_format == ExpositionFormat.OpenMetrics && !_sawEof)
                {
                    _lineStart = _lineEnd = _end;
                    return Fail(_end, "data does not end with \"# EOF\"");
                }

                return ExpositionEntry.End;
            }

            _lineStart = _pos;
            var nl = _data.AsSpan(_pos, _end - _pos).IndexOf((byte)'\n');
            _lineEnd = nl < 0 ? _end : _pos + nl;
            _pos = nl < 0 ? _end : _lineEnd + 1;
            LineNumber++;

            if (_sawEof)
            {
                return Fail(_lineStart, "unexpected data after \"# EOF\"");
            }

            var i = _lineStart;
            if (_format == ExpositionFormat.PrometheusText)
            {
                i = SkipBlanks(i);
                if (i == _lineEnd)
                {
                    continue; // blank lines are allowed in 0.0.4
                }
            }
            else if (i == _lineEnd)
            {
                return Fail(i, "empty lines are not allowed in OpenMetrics");
            }

            var r = _data[i] == (byte)'#' ? ParseComment(i) : ParseSample(i);
            if (r is { } entry)
            {
                return entry;
            }
        }
    }

    private ExpositionEntry? ParseComment(int i)
    {
        i++;
        var afterHash = i;
        var isOm = _format == ExpositionFormat.OpenMetrics;
        if (isOm && Rest(i).SequenceEqual(" EOF"u8))
        {
            _sawEof = true;
            return null;
        }

        i = SkipBlanks(i);
        var kw = ReadWord(i);
        ExpositionEntry kind;
        if (kw.SequenceEqual("HELP"u8))
        {
            kind = ExpositionEntry.Help;
        }
        else if (kw.SequenceEqual("TYPE"u8))
        {
            kind = ExpositionEntry.Type;
        }
        else if (isOm && kw.SequenceEqual("UNIT"u8))
        {
            kind = ExpositionEntry.Unit;
        }
        else
        {
            // 0.0.4 allows free comments; OpenMetrics allows only the keywords above.
            return isOm ? Fail(afterHash, "invalid comment: OpenMetrics allows only \"# HELP\", \"# TYPE\", \"# UNIT\" and \"# EOF\"") : null;
        }

        i += kw.Length;
        if (i >= _lineEnd || !IsBlank(_data[i]))
        {
            return Fail(i, $"expected a metric name after \"# {Encoding.ASCII.GetString(kw)}\"");
        }

        i = SkipBlanks(i);
        var nameStart = i;
        i = ScanMetricName(i);
        if (i == nameStart)
        {
            return Fail(i, $"invalid metric name in \"# {Encoding.ASCII.GetString(kw)}\" line");
        }

        _nameStart = nameStart;
        _nameLength = i - nameStart;
        _seriesEnd = i;
        LabelCount = 0;
        if (i < _lineEnd)
        {
            if (!IsBlank(_data[i]))
            {
                return Fail(i, "invalid character after the metric name");
            }

            i = kind == ExpositionEntry.Help ? i + 1 : SkipBlanks(i);
        }

        _textStart = i;
        _textLength = _lineEnd - i;
        if (kind == ExpositionEntry.Type)
        {
            var t = TrimEndBlanks(_data.AsSpan(_textStart, _textLength));
            MetricType? mt = t switch
            {
                _ when t.SequenceEqual("counter"u8) => MetricType.Counter,
                _ when t.SequenceEqual("gauge"u8) => MetricType.Gauge,
                _ when t.SequenceEqual("histogram"u8) => MetricType.Histogram,
                _ when t.SequenceEqual("summary"u8) => MetricType.Summary,
                _ when !isOm && t.SequenceEqual("untyped"u8) => MetricType.Unknown,
                _ when isOm && t.SequenceEqual("unknown"u8) => MetricType.Unknown,
                _ when isOm && t.SequenceEqual("gaugehistogram"u8) => MetricType.GaugeHistogram,
                _ when isOm && t.SequenceEqual("info"u8) => MetricType.Info,
                _ when isOm && t.SequenceEqual("stateset"u8) => MetricType.StateSet,
                _ => null,
            };
            if (mt is null)
            {
                return Fail(_textStart, $"invalid metric type \"{Encoding.UTF8.GetString(t)}\"");
            }

            MetricType = mt.Value;
        }

        return kind;
    }

    private ExpositionEntry? ParseSample(int i)
    {
        var nameStart = i;
        i = ScanMetricName(i);
        if (i == nameStart)
        {
            return Fail(i, $"expected a metric name, got {Describe(i)}");
        }

        _nameStart = nameStart;
        _nameLength = i - nameStart;
        LabelCount = 0;
        var isText = _format == ExpositionFormat.PrometheusText;
        if (isText)
        {
            // The text format allows blanks between the name and '{'; otherwise they precede the value.
            var j = SkipBlanks(i);
            if (j < _lineEnd && _data[j] == (byte)'{')
            {
                i = j;
            }
        }

        if (i < _lineEnd && _data[i] == (byte)'{')
        {
            var r = ParseLabels(i + 1, record: true);
            if (r < 0)
            {
                return ExpositionEntry.Error;
            }

            i = r;
        }

        _seriesEnd = i;
        if (i >= _lineEnd || !IsBlank(_data[i]))
        {
            return Fail(i, $"expected a blank and a value after the series, got {Describe(i)}");
        }

        i = isText ? SkipBlanks(i) : i + 1;
        var valueStart = i;
        i = ScanToken(i);
        if (!TryParseFloat(_data.AsSpan(valueStart, i - valueStart), out var v))
        {
            return Fail(valueStart, $"invalid value {Describe(valueStart)}");
        }

        Value = v;
        HasTimestamp = false;
        if (i < _lineEnd)
        {
            i = isText ? SkipBlanks(i) : i + 1;
            if (i < _lineEnd && _data[i] != (byte)'#')
            {
                var tsStart = i;
                i = ScanToken(i);
                var ts = _data.AsSpan(tsStart, i - tsStart);
                if (isText)
                {
                    if (!Utf8Parser.TryParse(ts, out long ms, out var used) || used != ts.Length)
                    {
                        return Fail(tsStart, $"invalid timestamp {Describe(tsStart)} (text format wants integer milliseconds)");
                    }

                    TimestampMs = ms;
                }
                else
                {
                    if (!TryParseFloat(ts, out var seconds) || !double.IsFinite(seconds))
                    {
                        return Fail(tsStart, $"invalid timestamp {Describe(tsStart)} (OpenMetrics wants seconds)");
                    }

                    TimestampMs = (long)Math.Round(seconds * 1000.0, MidpointRounding.AwayFromZero); // seconds → ms; rounding keeps "1.123" at 1123
                }

                HasTimestamp = true;
                if (i < _lineEnd)
                {
                    i = isText ? SkipBlanks(i) : i + 1;
                }
            }

            if (i < _lineEnd)
            {
                if (isText || _data[i] != (byte)'#')
                {
                    return Fail(i, $"unexpected {Describe(i)} after the sample");
                }

                if (ValidateExemplar(i) is { } err)
                {
                    return err;
                }
            }
        }

        return ExpositionEntry.Sample;
    }

    // OpenMetrics exemplar: ` # {labels} value [timestamp]`. Validated, then skipped: we do not forward exemplars.
    private ExpositionEntry? ValidateExemplar(int i)
    {
        i++;
        if (i + 1 >= _lineEnd || _data[i] != (byte)' ' || _data[i + 1] != (byte)'{')
        {
            return Fail(i, "expected \" {\" to start an exemplar");
        }

        var r = ParseLabels(i + 2, record: false);
        if (r < 0)
        {
            return ExpositionEntry.Error;
        }

        i = r;
        if (i >= _lineEnd || _data[i] != (byte)' ')
        {
            return Fail(i, "expected a blank and a value after the exemplar labels");
        }

        var vs = ++i;
        i = ScanToken(i);
        if (!TryParseFloat(_data.AsSpan(vs, i - vs), out _))
        {
            return Fail(vs, $"invalid exemplar value {Describe(vs)}");
        }

        if (i < _lineEnd)
        {
            var ts = ++i;
            i = ScanToken(i);
            if (!TryParseFloat(_data.AsSpan(ts, i - ts), out _) || i != _lineEnd)
            {
                return Fail(ts, $"invalid exemplar timestamp {Describe(ts)}");
            }
        }

        return null;
    }

    // Parses `name="value", ...}` starting after '{'; returns the index after '}' or -1 after Fail.
    private int ParseLabels(int i, bool record)
    {
        var isText = _format == ExpositionFormat.PrometheusText;
        var count = 0;
        while (true)
        {
            if (isText)
            {
                i = SkipBlanks(i);
            }

            if (i >= _lineEnd)
            {
                Fail(i, "unterminated label set, expected \"}\"");
                return -1;
            }

            if (_data[i] == (byte)'}')
            {
                if (record)
                {
                    LabelCount = count;
                }

                return i + 1;
            }

            var ns = i;
            i = ScanLabelName(i);
            if (i == ns)
            {
                Fail(i, $"expected a label name, got {Describe(i)}");
                return -1;
            }

            var nameLen = i - ns;
            if (isText)
            {
                i = SkipBlanks(i);
            }

            if (i >= _lineEnd || _data[i] != (byte)'=')
            {
                Fail(i, $"expected \"=\" after label name \"{Encoding.UTF8.GetString(_data, ns, nameLen)}\", got {Describe(i)}");
                return -1;
            }

            i++;
            if (isText)
            {
                i = SkipBlanks(i);
            }

            if (i >= _lineEnd || _data[i] != (byte)'"')
            {
                Fail(i, $"expected a quoted value for label \"{Encoding.UTF8.GetString(_data, ns, nameLen)}\", got {Describe(i)}");
                return -1;
            }

            var vs = ++i;
            var escaped = false;
            while (true)
            {
                var rel = _data.AsSpan(i, _lineEnd - i).IndexOfAny((byte)'"', (byte)'\\');
                if (rel < 0)
                {
                    Fail(vs - 1, $"unterminated quoted value for label \"{Encoding.UTF8.GetString(_data, ns, nameLen)}\"");
                    return -1;
                }

                i += rel;
                if (_data[i] == (byte)'"')
                {
                    break;
                }

                escaped = true;
                i += 2; // skip the backslash and the escaped byte
                if (i > _lineEnd)
                {
                    Fail(vs - 1, $"unterminated quoted value for label \"{Encoding.UTF8.GetString(_data, ns, nameLen)}\"");
                    return -1;
                }
            }

            if (record)
            {
                if (4 * (count + 1) > _labels.Length)
                {
                    Array.Resize(ref _labels, _labels.Length * 2);
                    Array.Resize(ref _labelEscaped, _labelEscaped.Length * 2);
                }

                for (var k = 0; k < count; k++)
                {
                    if (_data.AsSpan(_labels[4 * k], _labels[(4 * k) + 1]).SequenceEqual(_data.AsSpan(ns, nameLen)))
                    {
                        Fail(ns, $"duplicate label name \"{Encoding.UTF8.GetString(_data, ns, nameLen)}\"");
                        return -1;
                    }
                }

                _labels[4 * count] = ns;
                _labels[(4 * count) + 1] = nameLen;
                _labels[(4 * count) + 2] = vs;
                _labels[(4 * count) + 3] = i - vs;
                _labelEscaped[count] = escaped;
            }

            count++;
            i++; // closing quote
            if (isText)
            {
                i = SkipBlanks(i);
            }

            if (i < _lineEnd && _data[i] == (byte)',')
            {
                i++;
                continue;
            }

            if (i < _lineEnd && _data[i] == (byte)'}')
            {
                continue;
            }

            Fail(i, $"expected \",\" or \"}}\" after a label value, got {Describe(i)}");
            return -1;
        }
    }

    private ExpositionEntry Fail(int at, string message)
    {
        _failed = true;
        if (_lineStart >= _end)
        {
            Error = string.Create(CultureInfo.InvariantCulture, $"line {LineNumber + 1}: {message} (end of input)");
            return ExpositionEntry.Error;
        }

        var col = at - _lineStart + 1;
        var text = Encoding.UTF8.GetString(_data, _lineStart, Math.Min(_lineEnd - _lineStart, 200));
        Error = string.Create(CultureInfo.InvariantCulture, $"line {LineNumber}:{col}: {message}: \"{text}\"");
        return ExpositionEntry.Error;
    }

    private string Describe(int i)
    {
        if (i >= _lineEnd)
        {
            return "end of line";
        }

        var end = ScanToken(i);
        if (end == i)
        {
            end = i + 1;
        }

        return $"\"{Encoding.UTF8.GetString(_data, i, Math.Min(end - i, 40))}\"";
    }

    private ReadOnlySpan<byte> Rest(int i) => _data.AsSpan(i, _lineEnd - i);

    private ReadOnlySpan<byte> ReadWord(int i) => _data.AsSpan(i, ScanToken(i) - i);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static bool IsBlank(byte b) => b is (byte)' ' or (byte)'\t';

    private int SkipBlanks(int i)
    {
        while (i < _lineEnd && IsBlank(_data[i]))
        {
            i++;
        }

        return i;
    }

    private int ScanToken(int i)
    {
        while (i < _lineEnd && !IsBlank(_data[i]))
        {
            i++;
        }

        return i;
    }

    private int ScanMetricName(int i)
    {
        if (i >= _lineEnd || !IsNameStart(_data[i]) )
        {
            return i;
        }

        i++;
        while (i < _lineEnd && (IsNameStart(_data[i]) || IsDigit(_data[i])))
        {
            i++;
        }

        return i;

        static bool IsNameStart(byte b) => (uint)((b | 0x20) - 'a') <= 'z' - 'a' || b == '_' || b == ':';
    }

    private int ScanLabelName(int i)
    {
        if (i >= _lineEnd || !IsStart(_data[i]))
        {
            return i;
        }

        i++;
        while (i < _lineEnd && (IsStart(_data[i]) || IsDigit(_data[i])))
        {
            i++;
        }

        return i;

        static bool IsStart(byte b) => (uint)((b | 0x20) - 'a') <= 'z' - 'a' || b == '_';
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static bool IsDigit(byte b) => (uint)(b - '0') <= 9;

    private static ReadOnlySpan<byte> TrimEndBlanks(ReadOnlySpan<byte> s)
    {
        var n = s.Length;
        while (n > 0 && IsBlank(s[n - 1]))
        {
            n--;
        }

        return s[..n];
    }

    /// <summary>
    /// Parses a float as Go's strconv.ParseFloat does for expositions: decimal/exponent forms, and
    /// <c>NaN</c>, <c>Inf</c>, <c>+Inf</c>, <c>-Inf</c> (case-insensitive). Small integers take a fast path.
    /// </summary>
    public static bool TryParseFloat(ReadOnlySpan<byte> s, out double value)
    {
        if (s.Length is > 0 and <= 15)
        {
            var neg = s[0] == (byte)'-';
            var start = neg || s[0] == (byte)'+' ? 1 : 0;
            if (start < s.Length)
            {
                long acc = 0;
                var k = start;
                for (; k < s.Length; k++)
                {
                    var d = (uint)(s[k] - '0');
                    if (d > 9)
                    {
                        break;
                    }

                    acc = (acc * 10) + d;
                }

                if (k == s.Length)
                {
                    value = neg ? -acc : acc;
                    if (neg && acc == 0)
                    {
                        value = -0.0;
                    }

                    return true;
                }
            }
        }

        var body = s.Length > 0 && (s[0] == (byte)'+' || s[0] == (byte)'-') ? s[1..] : s;
        if (Ascii.EqualsIgnoreCase(body, "inf"u8) || Ascii.EqualsIgnoreCase(body, "infinity"u8))
        {
            value = s[0] == (byte)'-' ? double.NegativeInfinity : double.PositiveInfinity;
            return true;
        }

        if (Ascii.EqualsIgnoreCase(s, "nan"u8))
        {
            value = double.NaN;
            return true;
        }

        // Reject what .NET accepts but Go does not (thousands separators, currency, inner blanks, "∞").
        foreach (var b in s)
        {
            if (!(IsDigit(b) || b is (byte)'.' or (byte)'e' or (byte)'E' or (byte)'+' or (byte)'-'))
            {
                value = 0;
                return false;
            }
        }

        return double.TryParse(s, NumberStyles.Float, CultureInfo.InvariantCulture, out value);
    }

    /// <summary>Resolves <c>\\</c>, <c>\n</c> and (label values, OpenMetrics help) <c>\"</c>; other escapes stay as written.</summary>
    public static string Unescape(ReadOnlySpan<byte> raw, bool quoteEscapes)
    {
        if (raw.IndexOf((byte)'\\') < 0)
        {
            return Encoding.UTF8.GetString(raw);
        }

        var buf = raw.Length <= 512 ? stackalloc byte[raw.Length] : new byte[raw.Length];
        var n = 0;
        for (var i = 0; i < raw.Length; i++)
        {
            var b = raw[i];
            if (b == (byte)'\\' && i + 1 < raw.Length)
            {
                var e = raw[i + 1];
                if (e == (byte)'\\')
                {
                    buf[n++] = (byte)'\\';
                    i++;
                    continue;
                }

                if (e == (byte)'n')
                {
                    buf[n++] = (byte)'\n';
                    i++;
                    continue;
                }

                if (e == (byte)'"' && quoteEscapes)
                {
                    buf[n++] = (byte)'"';
                    i++;
                    continue;
                }
            }

            buf[n++] = b;
        }

        return Encoding.UTF8.GetString(buf[..n]);
    }
}
