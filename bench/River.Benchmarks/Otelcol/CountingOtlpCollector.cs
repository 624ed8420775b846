using System.Buffers;
using System.IO.Compression;
using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace River.Benchmarks.Otelcol;

/// <summary>
/// A local OTLP/gRPC trace collector that only counts spans: it walks the protobuf wire format of each request without
/// building objects, so an exporter benchmark measures the exporter rather than the collector's decoding (which would be
/// the same cost for every exporter compared and would hide their difference).
/// </summary>
internal sealed class CountingOtlpCollector : IAsyncDisposable
{
    private readonly WebApplication _app;
    private long _spans;

    private CountingOtlpCollector(WebApplication app, int port)
    {
        _app = app;
        Port = port;
    }

    /// <summary>The loopback port (plaintext HTTP/2).</summary>
    public int Port { get; }

    /// <summary>Spans received so far.</summary>
    public long Spans => Volatile.Read(ref _spans);

    /// <summary>Starts the collector on <paramref name="port"/>.</summary>
    public static async Task<CountingOtlpCollector> StartAsync(int port)
    {
        var builder = WebApplication.CreateEmptyBuilder(new WebApplicationOptions());
        builder.Logging.SetMinimumLevel(LogLevel.Warning);
        builder.WebHost.UseKestrelCore().ConfigureKestrel(k => k.Listen(IPAddress.Loopback, port, o => o.Protocols = HttpProtocols.Http2));
        builder.Services.AddRouting();
        var app = builder.Build();
        var collector = new CountingOtlpCollector(app, port);
        app.UseRouting();
        app.MapPost("/opentelemetry.proto.collector.trace.v1.TraceService/Export", collector.ExportAsync);
        await app.StartAsync();
        return collector;
    }

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }

    private async Task ExportAsync(HttpContext context)
    {
        // gRPC message framing: 1 byte compressed flag, 4 bytes big-endian length, the message.
        var body = context.Request.Body;
        var header = new byte[5];
        await body.ReadExactlyAsync(header);
        var length = (header[1] << 24) | (header[2] << 16) | (header[3] << 8) | header[4];
        var message = ArrayPool<byte>.Shared.Rent(length);
        try
        {
            await body.ReadExactlyAsync(message.AsMemory(0, length));
            long spans;
            if (header[0] == 1)
            {
                // Compressed with the algorithm named in grpc-encoding (gzip is the one the benchmark uses).
                using var inflated = new MemoryStream();
                using (var gzip = new GZipStream(new MemoryStream(message, 0, length), CompressionMode.Decompress))
                {
                    await gzip.CopyToAsync(inflated);
                }

                spans = CountSpans(inflated.GetBuffer().AsSpan(0, (int)inflated.Length));
            }
            else
            {
                spans = CountSpans(message.AsSpan(0, length));
            }

            Interlocked.Add(ref _spans, spans);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(message);
        }

        context.Response.ContentType = "application/grpc";
        await context.Response.Body.WriteAsync(new byte[5]); // an empty ExportTraceServiceResponse
        context.Response.AppendTrailer("grpc-status", "0");
    }

    // ExportTraceServiceRequest.resource_spans (1) → ResourceSpans.scope_spans (2) → ScopeSpans.spans (2).
    private static long CountSpans(ReadOnlySpan<byte> request)
    {
        long spans = 0;
        foreach (var resourceSpans in Fields(request, 1))
        {
            foreach (var scopeSpans in Fields(request.Slice(resourceSpans.Start, resourceSpans.Length), 2))
            {
                foreach (var _ in Fields(request.Slice(resourceSpans.Start, resourceSpans.Length).Slice(scopeSpans.Start, scopeSpans.Length), 2))
                {
                    spans++;
                }
            }
        }

        return spans;
    }

    /// <summary>The (offset, length) of every length-delimited field numbered <paramref name="number"/> in a message.</summary>
    private static List<(int Start, int Length)> Fields(ReadOnlySpan<byte> message, int number)
    {
        var result = new List<(int, int)>();
        var i = 0;
        while (i < message.Length)
        {
            var tag = ReadVarint(message, ref i);
            var wireType = (int)(tag & 7);
            switch (wireType)
            {
                case 0:
                    ReadVarint(message, ref i);
                    break;
                case 1:
                    i += 8;
                    break;
                case 2:
                    var length = (int)ReadVarint(message, ref i);
                    if ((int)(tag >> 3) == number)
                    {
                        result.Add((i, length));
                    }

                    i += length;
                    break;
                case 5:
                    i += 4;
                    break;
                default:
                    throw new InvalidDataException($"wire type {wireType} at {i}");
            }
        }

        return result;
    }

    private static ulong ReadVarint(ReadOnlySpan<byte> data, ref int i)
    {
        ulong value = 0;
        for (var shift = 0; ; shift += 7)
        {
            var b = data[i++];
            value |= (ulong)(b & 0x7f) << shift;
            if (b < 0x80)
            {
                return value;
            }
        }
    }
}
