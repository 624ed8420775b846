using System.Collections.Concurrent;
using System.IO.Pipelines;
using System.Net;
using System.Threading.Channels;
using Microsoft.AspNetCore.Connections;
using Microsoft.AspNetCore.Http.Features;
using Nerdbank.Streams;

namespace River.Http;

/// <summary>The address of River's in-memory listener (<c>river.internal:12345</c>); never resolved, never dialled.</summary>
public sealed class InMemoryEndPoint(string address) : EndPoint
{
    /// <summary>The <c>host:port</c> text.</summary>
    public string Address { get; } = address;

    /// <inheritdoc/>
    public override string ToString() => Address;
}

/// <summary>
/// A Kestrel transport for in-memory connections: <see cref="Connect"/> creates a full-duplex stream pair
/// (Nerdbank.Streams), hands one end to Kestrel as a new connection and returns the other to the caller, so a
/// request to <c>river.internal:12345</c> runs through River's own HTTP pipeline without any socket.
/// Socket endpoints stay with Kestrel's socket transport: this factory only binds <see cref="InMemoryEndPoint"/>.
/// </summary>
public sealed class InMemoryTransport : IConnectionListenerFactory, IConnectionListenerFactorySelector
{
    private Listener? _listener;
    private long _accepted;
    private long _connected;

    /// <summary>Creates the transport for an address such as <c>river.internal:12345</c>.</summary>
    public InMemoryTransport(string address = "river.internal:12345") => EndPoint = new InMemoryEndPoint(address);

    /// <summary>The endpoint Kestrel listens on.</summary>
    public InMemoryEndPoint EndPoint { get; }

    /// <summary>How many in-memory connections clients opened.</summary>
    public long ClientConnections => Interlocked.Read(ref _connected);

    /// <summary>How many in-memory connections Kestrel accepted.</summary>
    public long AcceptedConnections => Interlocked.Read(ref _accepted);

    /// <inheritdoc/>
    public bool CanBind(EndPoint endpoint) => endpoint is InMemoryEndPoint;

    /// <inheritdoc/>
    public ValueTask<IConnectionListener> BindAsync(EndPoint endpoint, CancellationToken cancellationToken = default)
    {
        var listener = new Listener(this, endpoint);
        _listener = listener;
        return ValueTask.FromResult<IConnectionListener>(listener);
    }

    /// <summary>
    /// Opens a connection to the server and returns the client's end. Throws <see cref="HttpRequestException"/>
    /// when the server is not listening (not started yet, or stopped).
    /// </summary>
    public Stream Connect()
    {
        var listener = _listener ?? throw new HttpRequestException($"River's in-memory listener {EndPoint.Address} is not running");
        var (client, server) = FullDuplexStream.CreatePair();
        var connection = new InMemoryConnection(server, EndPoint);
        if (!listener.Offer(connection))
        {
            client.Dispose();
            server.Dispose();
            throw new HttpRequestException($"River's in-memory listener {EndPoint.Address} is not running");
        }

        Interlocked.Increment(ref _connected);
        return client;
    }

    private sealed class Listener(InMemoryTransport owner, EndPoint endpoint) : IConnectionListener
    {
        private readonly Channel<InMemoryConnection> _pending = Channel.CreateUnbounded<InMemoryConnection>();

        public EndPoint EndPoint { get; } = endpoint;

        public bool Offer(InMemoryConnection connection) => _pending.Writer.TryWrite(connection);

        public async ValueTask<ConnectionContext?> AcceptAsync(CancellationToken cancellationToken = default)
        {
            try
            {
                var connection = await _pending.Reader.ReadAsync(cancellationToken).ConfigureAwait(false);
                Interlocked.Increment(ref owner._accepted);
                return connection;
            }
            catch (ChannelClosedException)
            {
                // Kestrel reads null as "the listener is done".
                return null;
            }
        }

        public ValueTask UnbindAsync(CancellationToken cancellationToken = default)
        {
            _pending.Writer.TryComplete();
            Interlocked.CompareExchange(ref owner._listener, null, this);
            return ValueTask.CompletedTask;
        }

        public ValueTask DisposeAsync() => UnbindAsync();
    }

    /// <summary>Kestrel's view of the server end of one in-memory stream.</summary>
    private sealed class InMemoryConnection : ConnectionContext
    {
        private static long _nextId;
        private readonly Stream _stream;
        private readonly CancellationTokenSource _closed = new();

        public InMemoryConnection(Stream stream, EndPoint endpoint)
        {
            _stream = stream;
            Transport = stream.UsePipe(cancellationToken: _closed.Token);
            ConnectionId = "memory-" + Interlocked.Increment(ref _nextId).ToString(System.Globalization.CultureInfo.InvariantCulture);
            LocalEndPoint = endpoint;
            RemoteEndPoint = endpoint;
        }

        public override string ConnectionId { get; set; }

        public override IFeatureCollection Features { get; } = new FeatureCollection();

        public override IDictionary<object, object?> Items { get; set; } = new ConcurrentDictionary<object, object?>();

        public override IDuplexPipe Transport { get; set; }

        public override CancellationToken ConnectionClosed => _closed.Token;

        public override void Abort(ConnectionAbortedException abortReason)
        {
            if (!_closed.IsCancellationRequested)
            {
                _closed.Cancel();
            }

            _stream.Dispose();
        }

        public override async ValueTask DisposeAsync()
        {
            await Transport.Input.CompleteAsync().ConfigureAwait(false);
            await Transport.Output.CompleteAsync().ConfigureAwait(false);
            if (!_closed.IsCancellationRequested)
            {
                await _closed.CancelAsync().ConfigureAwait(false);
            }

            await _stream.DisposeAsync().ConfigureAwait(false);
            _closed.Dispose();
        }
    }
}
