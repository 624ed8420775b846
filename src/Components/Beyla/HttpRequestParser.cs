namespace River.Components.Beyla;

/// <summary>The parts of a request line, as slices of the captured bytes.</summary>
public readonly ref struct HttpRequestLine
{
    /// <summary>Builds a request line.</summary>
    public HttpRequestLine(ReadOnlySpan<byte> method, ReadOnlySpan<byte> path, ReadOnlySpan<byte> query, string? knownMethod)
    {
        Method = method;
        Path = path;
        Query = query;
        KnownMethod = knownMethod;
    }

    /// <summary>The method bytes.</summary>
    public ReadOnlySpan<byte> Method { get; }

    /// <summary>The path without query or fragment.</summary>
    public ReadOnlySpan<byte> Path { get; }

    /// <summary>The query without the leading <c>?</c> (empty when none).</summary>
    public ReadOnlySpan<byte> Query { get; }

    /// <summary>The method as a shared string when it is a standard one; null otherwise.</summary>
    public string? KnownMethod { get; }
}

/// <summary>
/// Parses what the kernel captured of a request: the request line (<c>METHOD SP target SP HTTP/1.x</c>) and, when asked,
/// a <c>traceparent</c> header. Works on the bytes in place; a truncated capture still yields the method and as much
/// of the path as was captured.
/// </summary>
public static class HttpRequestParser
{
    // Shared instances so that labels and span names never allocate a method string.
    private static readonly string[] Methods = ["GET", "POST", "PUT", "DELETE", "HEAD", "OPTIONS", "PATCH", "CONNECT", "TRACE"];

    /// <summary>Beyla's smallest plausible HTTP message (<c>MIN_HTTP_SIZE</c>).</summary>
    public const int MinHttpSize = 12;

    /// <summary>Splits the request line; false when the bytes do not start like an HTTP request.</summary>
    public static bool TryParseRequestLine(ReadOnlySpan<byte> request, out HttpRequestLine line)
    {
        line = default;
        var sp = request.IndexOf((byte)' ');
        if (sp <= 0 || sp > 8)
        {
            return false;
        }

        var method = request[..sp];
        string? known = null;
        foreach (var m in Methods)
        {
            if (method.Length == m.Length && Ascii(method, m))
            {
                known = m;
                break;
            }
        }

        if (known is null)
        {
            return false;
        }

        var rest = request[(sp + 1)..];
        var end = rest.IndexOfAny((byte)' ', (byte)'\r', (byte)'\n');
        var target = end < 0 ? rest : rest[..end];
        if (target.IsEmpty)
        {
            return false;
        }

        // An absolute-form target (proxies) carries scheme and authority before the path.
        if (target[0] != '/' && target.IndexOf("://"u8) is var schemeEnd and > 0)
        {
            var afterAuthority = target[(schemeEnd + 3)..];
            var slash = afterAuthority.IndexOf((byte)'/');
            target = slash < 0 ? "/"u8 : afterAuthority[slash..];
        }

        var q = target.IndexOfAny((byte)'?', (byte)'#');
        var path = q < 0 ? target : target[..q];
        var query = ReadOnlySpan<byte>.Empty;
        if (q >= 0 && target[q] == '?')
        {
            query = target[(q + 1)..];
            var hash = query.IndexOf((byte)'#');
            if (hash >= 0)
            {
                query = query[..hash];
            }
        }

        line = new HttpRequestLine(method, path, query, known);
        return true;
    }

    /// <summary>
    /// Finds <c>traceparent: 00-&lt;32 hex&gt;-&lt;16 hex&gt;-&lt;2 hex&gt;</c> among the captured headers (name
    /// case-insensitive) and returns the trace id, parent span id and flags.
    /// </summary>
    public static bool TryFindTraceParent(ReadOnlySpan<byte> request, Span<byte> traceId, Span<byte> parentSpanId, out byte flags)
    {
        flags = 0;
        var lineStart = request.IndexOf("\r\n"u8);
        while (lineStart >= 0 && lineStart + 2 < request.Length)
        {
            var rest = request[(lineStart + 2)..];
            var lineEnd = rest.IndexOf("\r\n"u8);
            var headerLine = lineEnd < 0 ? rest : rest[..lineEnd];
            if (headerLine.IsEmpty)
            {
                return false;
            }

            const string name = "traceparent:";
            if (headerLine.Length > name.Length && AsciiIgnoreCase(headerLine[..name.Length], name))
            {
                var value = headerLine[name.Length..].Trim((byte)' ');
                // version(2) - trace(32) - span(16) - flags(2)
                if (value.Length >= 55 && value[2] == '-' && value[35] == '-' && value[52] == '-'
                    && TryHex(value.Slice(3, 32), traceId) && TryHex(value.Slice(36, 16), parentSpanId))
                {
                    Span<byte> f = stackalloc byte[1];
                    if (TryHex(value.Slice(53, 2), f))
                    {
                        flags = f[0];
                        return traceId.ContainsAnyExcept((byte)0) && parentSpanId.ContainsAnyExcept((byte)0);
                    }
                }

                return false;
            }

            lineStart = lineEnd < 0 ? -1 : lineStart + 2 + lineEnd;
        }

        return false;
    }

    private static bool TryHex(ReadOnlySpan<byte> hex, Span<byte> destination)
    {
        if (hex.Length != destination.Length * 2)
        {
            return false;
        }

        for (var i = 0; i < destination.Length; i++)
        {
            var hi = HexValue(hex[2 * i]);
            var lo = HexValue(hex[(2 * i) + 1]);
            if (hi < 0 || lo < 0)
            {
                return false;
            }

            destination[i] = (byte)((hi << 4) | lo);
        }

        return true;
    }

    private static int HexValue(byte c) => c switch
    {
        >= (byte)'0' and <= (byte)'9' => c - '0',
        >= (byte)'a' and <= (byte)'f' => c - 'a' + 10,
        >= (byte)'A' and <= (byte)'F' => c - 'A' + 10,
        _ => -1,
    };

    private static bool Ascii(ReadOnlySpan<byte> bytes, string text)
    {
        for (var i = 0; i < text.Length; i++)
        {
            if (bytes[i] != text[i])
            {
                return false;
            }
        }

        return true;
    }

    private static bool AsciiIgnoreCase(ReadOnlySpan<byte> bytes, string lowerText)
    {
        for (var i = 0; i < lowerText.Length; i++)
        {
            var b = bytes[i];
            if (b is >= (byte)'A' and <= (byte)'Z')
            {
                b = (byte)(b + 32);
            }

            if (b != lowerText[i])
            {
                return false;
            }
        }

        return true;
    }
}
