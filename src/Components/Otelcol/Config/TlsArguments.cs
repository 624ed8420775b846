using System.Net.Security;
using System.Security.Authentication;
using System.Security.Cryptography.X509Certificates;
using River.Values;

namespace River.Components.Otelcol.Config;

/// <summary>
/// The <c>tls</c> block of otelcol clients and servers (Collector's configtls). On a client, TLS is on unless
/// <c>insecure = true</c>.
/// </summary>
public sealed class TlsArguments : IValidatable
{
    /// <summary>Client only: plaintext (h2c for gRPC) instead of TLS.</summary>
    [River("insecure")]
    public bool Insecure { get; init; }

    /// <summary>Client only: accept any server certificate (testing only).</summary>
    [River("insecure_skip_verify")]
    public bool InsecureSkipVerify { get; init; }

    /// <summary>A PEM file of CA certificates to trust instead of the system store.</summary>
    [River("ca_file")]
    public string? CaFile { get; init; }

    /// <summary>PEM text of CA certificates to trust instead of the system store.</summary>
    [River("ca_pem")]
    public string? CaPem { get; init; }

    /// <summary>A PEM certificate file: the client certificate, or the server certificate.</summary>
    [River("cert_file")]
    public string? CertFile { get; init; }

    /// <summary>PEM text of the certificate.</summary>
    [River("cert_pem")]
    public string? CertPem { get; init; }

    /// <summary>The PEM private key file of the certificate.</summary>
    [River("key_file")]
    public string? KeyFile { get; init; }

    /// <summary>PEM text of the private key.</summary>
    [River("key_pem")]
    public Secret? KeyPem { get; init; }

    /// <summary>Client only: the name expected in the server certificate (and sent as SNI).</summary>
    [River("server_name")]
    public string? ServerName { get; init; }

    /// <summary>Lowest TLS version: "TLS 1.2" or "TLS 1.3" ("TLS 1.0"/"1.1" are refused by .NET on Linux).</summary>
    [River("min_version")]
    public string MinVersion { get; init; } = "TLS 1.2";

    /// <summary>Highest TLS version; empty = the highest available.</summary>
    [River("max_version")]
    public string MaxVersion { get; init; } = "";

    /// <summary>Server only: a PEM file of CAs; when set, clients must present a certificate it signed (mTLS).</summary>
    [River("client_ca_file")]
    public string? ClientCaFile { get; init; }

    /// <summary>Trust the system's CAs as well as <c>ca_file</c>/<c>ca_pem</c>.</summary>
    [River("include_system_ca_certs_pool")]
    public bool IncludeSystemCaCertsPool { get; init; }

    /// <summary>TLS 1.2 cipher suites to offer, by their IANA/Go names (TLS 1.3 suites are not configurable, as in Go).</summary>
    [River("cipher_suites")]
    public IReadOnlyList<string> CipherSuites { get; init; } = [];

    /// <summary>Accepted for compatibility: .NET offers no per-connection choice of key-exchange curves.</summary>
    [River("curve_preferences")]
    public IReadOnlyList<string> CurvePreferences { get; init; } = [];

    /// <summary>Accepted for compatibility, not applied: certificate files are read at start and on every config reload, not on a timer.</summary>
    [River("reload_interval")]
    public TimeSpan ReloadInterval { get; init; }

    /// <inheritdoc />
    public void Validate(ValidationContext context)
    {
        if (CaFile is not null && CaPem is not null)
        {
            context.Error("ca_pem", "at most one of ca_file and ca_pem may be set");
        }

        if (CertFile is not null && CertPem is not null)
        {
            context.Error("cert_pem", "at most one of cert_file and cert_pem may be set");
        }

        if (KeyFile is not null && KeyPem is not null)
        {
            context.Error("key_pem", "at most one of key_file and key_pem may be set");
        }

        if ((CertFile ?? CertPem) is not null != (KeyFile ?? KeyPem?.Value) is not null)
        {
            context.Error("key_file", "a certificate needs its key and a key needs its certificate");
        }

        if (!TryParseVersion(MinVersion, out _))
        {
            context.Error("min_version", $"unknown TLS version \"{MinVersion}\"; use \"TLS 1.2\" or \"TLS 1.3\"");
        }

        if (MaxVersion.Length > 0 && !TryParseVersion(MaxVersion, out _))
        {
            context.Error("max_version", $"unknown TLS version \"{MaxVersion}\"; use \"TLS 1.2\" or \"TLS 1.3\"");
        }

        foreach (var suite in CipherSuites)
        {
            if (!Enum.TryParse<TlsCipherSuite>(suite, ignoreCase: false, out _))
            {
                context.Error("cipher_suites", $"unknown cipher suite \"{suite}\"; use IANA names such as TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256");
            }
        }

        if (ReloadInterval < TimeSpan.Zero)
        {
            context.Error("reload_interval", "reload_interval must not be negative");
        }
    }

    /// <summary>The protocols allowed between min_version and max_version.</summary>
    public SslProtocols Protocols()
    {
        TryParseVersion(MinVersion, out var min);
        var max = SslProtocols.Tls13;
        if (MaxVersion.Length > 0)
        {
            TryParseVersion(MaxVersion, out max);
        }

        var result = SslProtocols.None;
        if (min <= SslProtocols.Tls12 && max >= SslProtocols.Tls12)
        {
            result |= SslProtocols.Tls12;
        }

        if (max >= SslProtocols.Tls13)
        {
            result |= SslProtocols.Tls13;
        }

        return result;
    }

    /// <summary>Loads the certificate with its private key, or null when none is configured.</summary>
    public X509Certificate2? LoadCertificate()
    {
        var certPem = CertPem ?? (CertFile is null ? null : File.ReadAllText(CertFile));
        var keyPem = KeyPem?.Value ?? (KeyFile is null ? null : File.ReadAllText(KeyFile));
        if (certPem is null || keyPem is null)
        {
            return null;
        }

        using var ephemeral = X509Certificate2.CreateFromPem(certPem, keyPem);

        // SslStream on Linux wants a certificate whose key is not ephemeral; a PKCS#12 round trip gives it one.
        return X509CertificateLoader.LoadPkcs12(ephemeral.Export(X509ContentType.Pkcs12), null);
    }

    /// <summary>
    /// The CA certificates to trust: ca_file/ca_pem when set; otherwise, when <c>SSL_CERT_FILE</c> or
    /// <c>SSL_CERT_DIR</c> is set, the certificates found there; otherwise null (the system store).
    /// </summary>
    public X509Certificate2Collection? LoadTrustedCas()
    {
        var pem = CaPem ?? (CaFile is null ? null : File.ReadAllText(CaFile));
        if (pem is not null)
        {
            var collection = new X509Certificate2Collection();
            collection.ImportFromPem(pem);
            return collection;
        }

        return SystemTrustFromEnvironment();
    }

    /// <summary>Client-side TLS options for a connection to <paramref name="host"/>.</summary>
    public SslClientAuthenticationOptions ClientOptions(string host)
    {
        var trusted = LoadTrustedCas();
        var certificate = LoadCertificate();
        var options = new SslClientAuthenticationOptions
        {
            TargetHost = string.IsNullOrEmpty(ServerName) ? host : ServerName,
            EnabledSslProtocols = Protocols(),
            ApplicationProtocols = [SslApplicationProtocol.Http2, SslApplicationProtocol.Http11],
        };
        if (certificate is not null)
        {
            options.ClientCertificates = [certificate];
        }

        if (!OperatingSystem.IsWindows() && CipherSuitePolicy() is { } policy)
        {
            options.CipherSuitesPolicy = policy;
        }

        if (InsecureSkipVerify)
        {
            options.RemoteCertificateValidationCallback = static (_, _, _, _) => true;
        }
        else if (trusted is not null)
        {
            // include_system_ca_certs_pool: a chain the platform accepts is good too.
            var system = IncludeSystemCaCertsPool;
            options.RemoteCertificateValidationCallback = (_, cert, _, errors) => (system && errors == SslPolicyErrors.None) || ValidateAgainst(trusted, cert, errors);
        }

        return options;
    }

    /// <summary>
    /// The offered cipher suites when <c>cipher_suites</c> is set (TLS 1.3 suites are always added, as Go always
    /// offers them); null for the platform default.
    /// </summary>
    [System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
    public CipherSuitesPolicy? CipherSuitePolicy()
    {
        if (CipherSuites.Count == 0)
        {
            return null;
        }

        var suites = new List<TlsCipherSuite> { TlsCipherSuite.TLS_AES_128_GCM_SHA256, TlsCipherSuite.TLS_AES_256_GCM_SHA384, TlsCipherSuite.TLS_CHACHA20_POLY1305_SHA256 };
        foreach (var name in CipherSuites)
        {
            if (Enum.TryParse<TlsCipherSuite>(name, ignoreCase: false, out var suite) && !suites.Contains(suite))
            {
                suites.Add(suite);
            }
        }

        return new CipherSuitesPolicy(suites);
    }

    /// <summary>
    /// Checks a peer certificate against our own roots: the chain must end at one of <paramref name="trusted"/> and,
    /// apart from the chain, only the name check may be reported by the platform (it must pass too).
    /// </summary>
    internal static bool ValidateAgainst(X509Certificate2Collection trusted, X509Certificate? certificate, SslPolicyErrors errors)
    {
        if (certificate is null || (errors & (SslPolicyErrors.RemoteCertificateNameMismatch | SslPolicyErrors.RemoteCertificateNotAvailable)) != 0)
        {
            return false;
        }

        using var chain = new X509Chain();
        chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        chain.ChainPolicy.CustomTrustStore.AddRange(trusted);
        chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        using var leaf = new X509Certificate2(certificate);
        return chain.Build(leaf);
    }

    private static X509Certificate2Collection? SystemTrustFromEnvironment()
    {
        var file = Environment.GetEnvironmentVariable("SSL_CERT_FILE");
        var dir = Environment.GetEnvironmentVariable("SSL_CERT_DIR");
        if (string.IsNullOrEmpty(file) && string.IsNullOrEmpty(dir))
        {
            return null;
        }

        var collection = new X509Certificate2Collection();
        if (!string.IsNullOrEmpty(file) && File.Exists(file))
        {
            collection.ImportFromPemFile(file);
        }

        // SSL_CERT_DIR is a colon-separated list, as OpenSSL reads it.
        foreach (var directory in (dir ?? "").Split(':', StringSplitOptions.RemoveEmptyEntries))
        {
            if (!Directory.Exists(directory))
            {
                continue;
            }

            foreach (var path in Directory.EnumerateFiles(directory))
            {
                try
                {
                    collection.ImportFromPemFile(path);
                }
                catch (System.Security.Cryptography.CryptographicException)
                {
                    // Hash links and non-PEM files live in these directories too; skip them.
                }
            }
        }

        return collection;
    }

    private static bool TryParseVersion(string text, out SslProtocols protocol)
    {
        switch (text.Replace(" ", "", StringComparison.Ordinal).ToUpperInvariant())
        {
            case "TLS1.0":
            case "TLS1.1":
            case "TLS1.2":
            case "":
                protocol = SslProtocols.Tls12;
                return true;
            case "TLS1.3":
                protocol = SslProtocols.Tls13;
                return true;
            default:
                protocol = SslProtocols.None;
                return false;
        }
    }
}
