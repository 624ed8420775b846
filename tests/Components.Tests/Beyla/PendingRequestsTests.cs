using System.Runtime.InteropServices;
using System.Text;
using River.Components.Beyla;
using River.Components.Beyla.Ebpf.Native;

namespace River.Components.Tests.Beyla;

/// <summary>Pairing of the capture program's request and response records in user space.</summary>
public class PendingRequestsTests
{
    private static HttpEventNative Request(ulong connection, uint seq, ulong startNs, string text = "GET /a HTTP/1.1\r\n")
    {
        var e = new HttpEventNative
        {
            Kind = HttpEventNative.KindRequest,
            ConnectionId = connection,
            Seq = seq,
            StartNs = startNs,
            RequestLength = (uint)text.Length,
            BufferLength = (ushort)text.Length,
        };
        Encoding.ASCII.GetBytes(text).CopyTo((Span<byte>)e.Buffer);
        return e;
    }

    [Fact]
    public void AResponseTakesItsRequestOnceAndNeverAgain()
    {
        var table = new PendingRequests(4);
        Assert.True(table.TryAdd(Request(7, 0, 100)));
        Assert.True(table.TryAdd(Request(7, 1, 110)));
        Assert.True(table.TryAdd(Request(8, 0, 120)));
        Assert.Equal(3, table.Count);

        Assert.True(table.TryTake(7, 1, out var taken));
        Assert.Equal(110UL, taken.StartNs);
        Assert.False(table.TryTake(7, 1, out _));
        Assert.Equal(2, table.Count);
    }

    [Fact]
    public void ASlotReusedByAShorterRequestHoldsItsFieldsAndOnlyItsOwnBytes()
    {
        // One slot: the second request lands where the first (longer) one was, and only its fields and captured
        // bytes are copied in; the event it becomes reads no byte past its own length.
        var table = new PendingRequests(1);
        Assert.True(table.TryAdd(Request(1, 0, 10, "POST /a-much-longer-path?with=query HTTP/1.1\r\nHost: x\r\n\r\n")));
        Assert.True(table.TryTake(1, 0, out _));
        var shorter = Request(2, 5, 20, "GET /b HTTP/1.1\r\n\r\n");
        shorter.Tgid = 42;
        shorter.Status = 0;
        Assert.True(table.TryAdd(shorter));
        var completed = default(HttpRequestEvent);
        var response = new HttpResponseNative { Kind = HttpEventNative.KindResponse, ConnectionId = 2, Seq = 5, Status = 204, EndNs = 30 };
        Assert.True(table.TryComplete(in response, ref completed));
        Assert.Equal(42, completed.Pid);
        Assert.Equal(204, completed.Status);
        Assert.Equal(20UL, completed.StartNs);
        Assert.Equal(30UL, completed.EndNs);
        Assert.Equal("GET /b HTTP/1.1\r\n\r\n", Encoding.ASCII.GetString(completed.RequestBytes));
    }

    [Fact]
    public void AnExpiredRequestIsHandedOutOnceAndItsLateResponseFindsNothing()
    {
        var table = new PendingRequests(4);
        table.TryAdd(Request(1, 0, 1_000));
        table.TryAdd(Request(1, 1, 5_000));
        var expired = new List<HttpEventNative>();

        Assert.Equal(1, table.Expire(2_000, expired.Add));
        Assert.Equal(1_000UL, Assert.Single(expired).StartNs);
        Assert.Equal(0, table.Expire(2_000, expired.Add));
        Assert.False(table.TryTake(1, 0, out _));
        Assert.True(table.TryTake(1, 1, out _));
    }

    [Fact]
    public void AFullTableRefusesAndTakesAgainOnceASlotIsFree()
    {
        var table = new PendingRequests(2);
        Assert.True(table.TryAdd(Request(1, 0, 1)));
        Assert.True(table.TryAdd(Request(1, 1, 2)));
        Assert.False(table.TryAdd(Request(1, 2, 3)));
        Assert.Equal(2, table.Count);
        Assert.True(table.TryTake(1, 0, out _));
        Assert.True(table.TryAdd(Request(1, 2, 3)));
        // The same key twice is refused rather than overwriting the waiting request.
        Assert.False(table.TryAdd(Request(1, 2, 4)));
    }

    [Fact]
    public void AResponseDropsTheEarlierRequestsOfItsConnectionWhoseResponsesWereLost()
    {
        var table = new PendingRequests(8);
        foreach (var seq in new uint[] { 0, 2, 3, 4 })
        {
            table.TryAdd(Request(3, seq, seq));
        }

        table.TryAdd(Request(9, 3, 9));
        // The response to seq 4 drops 3 and 2; it stops at the gap (1 was answered), so 0 stays for its own fate.
        Assert.Equal(2, table.DropAnsweredBefore(3, 4));
        Assert.True(table.TryTake(3, 4, out _));
        Assert.True(table.TryTake(3, 0, out _));
        Assert.Equal(0, table.DropAnsweredBefore(3, 0));
        Assert.True(table.TryTake(9, 3, out _)); // another connection's request with the same number is untouched
        Assert.Equal(0, table.Count);
    }

    [Fact]
    public void ASmallRecordIsReadIntoAFullOneWithItsFieldsAndItsBytesOnly()
    {
        Assert.Equal(160, HttpEventNative.SmallSize);
        var sent = Request(3, 2, 500, "GET /small HTTP/1.1\r\nHost: x\r\n\r\n");
        sent.LocalPort = 8080;
        // The ring's record: the struct's first SmallSize bytes.
        var record = MemoryMarshal.AsBytes(new ReadOnlySpan<HttpEventNative>(in sent))[..HttpEventNative.SmallSize].ToArray();

        // The reader's copy held a longer request before: only the small record's bytes count now.
        var copy = Request(9, 9, 9, new string('x', 200) + " stale");
        HttpEventNative.CopySmall(record, ref copy);
        var table = new PendingRequests(2);
        Assert.True(table.TryAdd(in copy));
        Assert.True(table.TryTake(3, 2, out var request));
        Assert.Equal(500UL, request.StartNs);
        Assert.Equal((ushort)8080, request.LocalPort);
        Assert.Equal("GET /small HTTP/1.1\r\nHost: x\r\n\r\n", Encoding.ASCII.GetString(((ReadOnlySpan<byte>)request.Buffer)[..request.BufferLength]));

        // A length claiming more than a small record holds is cut to it; a record of another size is refused.
        MemoryMarshal.Write(record.AsSpan((int)Marshal.OffsetOf<HttpEventNative>(nameof(HttpEventNative.BufferLength))), (ushort)200);
        HttpEventNative.CopySmall(record, ref copy);
        Assert.Equal(HttpEventNative.SmallBuffer, copy.BufferLength);
        Assert.Throws<ArgumentException>(() => HttpEventNative.CopySmall(record.AsSpan(1), ref copy));
    }

    [Fact]
    public void ContinuationsAddLengthAndCapturedBytesAtTheirOffset()
    {
        var table = new PendingRequests(2);
        table.TryAdd(Request(5, 0, 1, "GET /split"));
        var append = new HttpAppendNative
        {
            Kind = HttpEventNative.KindAppend,
            ConnectionId = 5,
            Seq = 0,
            Length = 100,
            DataOffset = 10,
            DataLength = 11,
        };
        Assert.True(table.TryAppend(append, " HTTP/1.1\r\n"u8));
        // A continuation for an offset that does not follow the captured bytes adds its length only.
        Assert.True(table.TryAppend(append with { Length = 5, DataOffset = 3, DataLength = 2 }, "xx"u8));
        Assert.False(table.TryAppend(append with { Seq = 1 }, "zz"u8));

        Assert.True(table.TryTake(5, 0, out var request));
        Assert.Equal(115u, request.RequestLength);
        Assert.Equal(HttpEventNative.FlagSplit, request.Flags);
        Assert.Equal("GET /split HTTP/1.1\r\n", Encoding.ASCII.GetString(((ReadOnlySpan<byte>)request.Buffer)[..request.BufferLength]));
    }

    [Fact]
    public void TheIndexAgreesWithADictionaryThroughManyAddsAndRemovals()
    {
        // Connections a few ids apart and consecutive numbers collide and form long probe runs: every removal
        // (taken, dropped as answered, expired) must leave each other request findable.
        var table = new PendingRequests(64);
        var reference = new Dictionary<(ulong, uint), ulong>();
        var random = new Random(12345);
        ulong start = 1;
        for (var step = 0; step < 20_000; step++)
        {
            var connection = (ulong)random.Next(8) << 8;
            var seq = (uint)random.Next(16);
            switch (random.Next(4))
            {
                case 0:
                case 1:
                    var added = table.TryAdd(Request(connection, seq, start));
                    Assert.Equal(reference.Count < 64 && !reference.ContainsKey((connection, seq)), added);
                    if (added)
                    {
                        reference[(connection, seq)] = start++;
                    }

                    break;
                case 2:
                    var taken = table.TryTake(connection, seq, out var request);
                    Assert.Equal(reference.Remove((connection, seq), out var startNs), taken);
                    if (taken)
                    {
                        Assert.Equal(startNs, request.StartNs);
                    }

                    break;
                default:
                    var expected = 0;
                    for (var s = seq; s > 0 && reference.Remove((connection, s - 1)); s--)
                    {
                        expected++;
                    }

                    Assert.Equal(expected, table.DropAnsweredBefore(connection, seq));
                    break;
            }

            Assert.Equal(reference.Count, table.Count);
        }

        var cutoff = start / 2;
        var expired = new List<ulong>();
        table.Expire(cutoff, r => expired.Add(r.StartNs));
        Assert.Equal(reference.Values.Where(v => v < cutoff).Order(), expired.Order());
        foreach (var ((connection, seq), startNs) in reference)
        {
            Assert.Equal(startNs >= cutoff, table.TryTake(connection, seq, out _));
        }

        Assert.Equal(0, table.Count);
    }

    [Fact]
    public void CompletingARequestWritesTheWholeEventIntoAReusedOne()
    {
        var table = new PendingRequests(4);
        var first = Request(3, 0, 1000, "POST /orders HTTP/1.1\r\nHost: shop\r\n\r\nbody");
        first.RequestLength = 200;
        first.LocalPort = 8080;
        first.RemotePort = 50000;
        Assert.True(table.TryAdd(first));
        Assert.True(table.TryAdd(Request(3, 1, 2000, "GET /a HTTP/1.1\r\n\r\n")));

        var e = default(HttpRequestEvent);
        var response = new HttpResponseNative { Kind = HttpEventNative.KindResponse, ConnectionId = 3, Seq = 0, Status = 201, EndNs = 5000, ResponseLength = 64 };
        Assert.True(table.TryComplete(response, ref e));
        Assert.Equal((first with { EndNs = 5000, Status = 201, ResponseLength = 64 }).ToRequestEvent().RequestBytes.ToArray(), e.RequestBytes.ToArray());
        Assert.Equal((201, 1000UL, 5000UL, 64L, 200L - 37, (ushort)8080, (ushort)50000),
            (e.Status, e.StartNs, e.EndNs, e.ResponseBodySize, e.RequestBodySize, e.HostPort, e.PeerPort));
        Assert.False(table.TryComplete(response, ref e)); // taken once

        // The same event reused for a shorter request holds that request only.
        Assert.True(table.TryComplete(response with { Seq = 1, Status = 200 }, ref e));
        Assert.Equal("GET /a HTTP/1.1\r\n\r\n", Encoding.ASCII.GetString(e.RequestBytes));
        Assert.Equal((200, 0L), (e.Status, e.RequestBodySize));
        Assert.Equal(0, table.Count);
    }
}
