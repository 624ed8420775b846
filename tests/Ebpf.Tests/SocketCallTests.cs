using System.Net;
using System.Net.Sockets;
using System.Text;
using River.Ebpf.Tests.Support;

namespace River.Ebpf.Tests;

/// <summary>
/// Socket calls that real servers make besides plain read/write (Kestrel peeks at new connections and writes
/// responses with sendmsg over several segments), made by this process on both ends of a loopback connection.
/// </summary>
public sealed class SocketCallTests
{
    private static (Socket Client, Socket Server, int Port) Connected(TcpListener listener)
    {
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        var client = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true, ReceiveTimeout = 10000 };
        client.Connect(IPAddress.Loopback, port);
        var server = listener.AcceptSocket();
        server.ReceiveTimeout = 10000;
        return (client, server, port);
    }

    [Fact]
    public void APeekedRequestIsCountedOnceWhenItIsReadForReal()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        using var capture = HttpCapture.Start();
        capture.Trace(Environment.ProcessId);
        var (client, server, port) = Connected(listener);
        using (client)
        using (server)
        {
            var buffer = new byte[4096];
            foreach (var path in new[] { "/peeked/1", "/peeked/2" })
            {
                var request = Encoding.ASCII.GetBytes(Clients.Request("GET", path, port));
                client.Send(request);
                // recvfrom with MSG_PEEK: the whole request is visible but stays in the socket.
                Assert.Equal(request.Length, server.Receive(buffer, SocketFlags.Peek));
                Assert.Equal(request.Length, server.Receive(buffer));
                server.Send(Encoding.ASCII.GetBytes("HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n"));
                Assert.Equal([200], Clients.ReadResponses(client, 1));
            }
        }

        var events = capture.WaitFor(4).Where(e => e.Direction == HttpEvent.Server).ToList();
        Assert.Equal(["/peeked/1", "/peeked/2"], events.Select(e => e.Path));
        Assert.Equal([0u, 1u], events.Select(e => e.Seq));
        Assert.Equal(0UL, capture.Stat(3)); // no response found its request missing
    }

    [Fact]
    public void AResponseWrittenWithSendmsgBehindAnEmptySegmentIsRecognisedWithAllItsBytes()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        using var capture = HttpCapture.Start();
        capture.Trace(Environment.ProcessId);
        var (client, server, port) = Connected(listener);
        var body = new byte[3000];
        Array.Fill(body, (byte)'x');
        var headers = Encoding.ASCII.GetBytes($"HTTP/1.1 201 Created\r\nContent-Length: {body.Length}\r\n\r\n");
        using (client)
        using (server)
        {
            var request = Encoding.ASCII.GetBytes(Clients.Request("POST", "/segments", port).Replace("\r\n\r\n", "\r\nContent-Length: 0\r\n\r\n", StringComparison.Ordinal));
            client.Send(request);
            var buffer = new byte[4096];
            Assert.Equal(request.Length, server.Receive(buffer));
            // A buffer list goes out as one sendmsg; the leading empty segment must not hide the status line.
            var sent = server.Send(new List<ArraySegment<byte>> { new([]), new(headers), new(body) });
            Assert.Equal(headers.Length + body.Length, sent);
            Assert.Equal([201], Clients.ReadResponses(client, 1));
        }

        var e = Assert.Single(capture.WaitFor(2), e => e.Direction == HttpEvent.Server);
        Assert.Equal("POST", e.Method);
        Assert.Equal("/segments", e.Path);
        Assert.Equal(201, e.Status);
        // The byte count is that of the whole sendmsg, not of the segment with the status line.
        Assert.Equal((uint)(headers.Length + body.Length), e.ResponseLength);
    }

    [Fact]
    public void PipelinedRequestsAnsweredInOneWriteArePairedWithTheirOwnResponsesOnBothEnds()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        using var capture = HttpCapture.Start();
        capture.Trace(Environment.ProcessId);
        var (client, server, port) = Connected(listener);
        // The second body holds "HTTP/1." without a status code behind it: not a response start.
        string[] responses =
        [
            "HTTP/1.1 200 OK\r\nContent-Length: 3\r\n\r\nok\n",
            "HTTP/1.1 404 Not Found\r\nContent-Length: 13\r\n\r\nHTTP/1.1 is \n",
            "HTTP/1.1 500 Internal Server Error\r\nContent-Length: 0\r\n\r\n",
        ];
        using (client)
        using (server)
        {
            var batch = Encoding.ASCII.GetBytes(Clients.Request("GET", "/a", port) + Clients.Request("GET", "/b", port) + Clients.Request("GET", "/c", port));
            client.Send(batch);
            var buffer = new byte[4096];
            var got = 0;
            while (got < batch.Length)
            {
                got += server.Receive(buffer, got, buffer.Length - got, SocketFlags.None);
            }

            // Kestrel's way: all three answers in a single write.
            server.Send(Encoding.ASCII.GetBytes(string.Concat(responses)));
            Assert.Equal([200, 404, 500], Clients.ReadResponses(client, 3));
        }

        // Both ends are this process: the server read and wrote the batch, the client wrote and read it.
        var all = capture.WaitFor(6);
        foreach (var direction in new[] { HttpEvent.Server, HttpEvent.Client })
        {
            var events = all.Where(e => e.Direction == direction).ToList();
            Assert.Equal(["/a", "/b", "/c"], events.Select(e => e.Path));
            Assert.Equal([200, 404, 500], events.Select(e => e.Status));
            Assert.Equal([0u, 1u, 2u], events.Select(e => e.Seq));
        }

        Assert.Equal(responses.Select(r => (uint)r.Length), all.Where(e => e.Direction == HttpEvent.Server).Select(e => e.ResponseLength));
    }
}
