namespace River.Components.Otelcol.Config;

/// <summary>
/// What an <c>otelcol.auth.*</c> component exports as <c>handler</c> and an exporter's <c>client { auth = … }</c> takes:
/// the header to put on every export request. The value may hold a secret: never log it.
/// </summary>
public abstract class AuthHandler
{
    /// <summary>The header name, lower case (a gRPC metadata key).</summary>
    public abstract string HeaderName { get; }

    /// <summary>The header value. Exporters read it when they build their connection; a changed credential makes a new handler, which rebuilds it.</summary>
    public abstract string HeaderValue();

    /// <summary>Names the handler without its secret (the UI prints capsules with ToString).</summary>
    public override string ToString() => $"otelcol.Handler({HeaderName})";
}
