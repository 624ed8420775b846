using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Text;

namespace River.Ebpf;

/// <summary>Severity of a libbpf message (<c>enum libbpf_print_level</c>).</summary>
public enum LibbpfLogLevel
{
    /// <summary>Warnings and errors.</summary>
    Warning = 0,
    /// <summary>Informational.</summary>
    Info = 1,
    /// <summary>Debug detail.</summary>
    Debug = 2,
}

/// <summary>
/// Routes libbpf's printf-style output to managed code. libbpf has one process-wide print hook; while a load runs
/// on a thread, that thread's messages are also captured so the exception can carry the verifier log.
/// </summary>
public static unsafe class LibbpfLog
{
    private static readonly object Gate = new();
    private static bool _installed;

    [ThreadStatic]
    private static StringBuilder? _capture;

    /// <summary>Receives every warning and info message (debug messages are dropped). Null discards them.</summary>
    public static Action<LibbpfLogLevel, string>? Sink { get; set; }

    internal static void EnsureInstalled()
    {
        lock (Gate)
        {
            if (_installed)
                return;
            Interop.Libbpf.SetPrint(&OnPrint);
            _installed = true;
        }
    }

    /// <summary>Starts capturing this thread's libbpf output; dispose the result to stop and read it.</summary>
    internal static Capture BeginCapture()
    {
        EnsureInstalled();
        var previous = _capture;
        _capture = new StringBuilder();
        return new Capture(previous);
    }

    internal readonly struct Capture(StringBuilder? previous) : IDisposable
    {
        public string Text => _capture?.ToString() ?? string.Empty;

        public void Dispose() => _capture = previous;
    }

    [UnmanagedCallersOnly(CallConvs = [typeof(CallConvCdecl)])]
    private static int OnPrint(int level, byte* format, nint args)
    {
        // An exception must never cross back into libbpf: swallow everything here.
        try
        {
            if (level == (int)LibbpfLogLevel.Debug || format is null)
                return 0;
            var text = Format(format, args);
            _capture?.Append(text);
            Sink?.Invoke((LibbpfLogLevel)level, text);
        }
#pragma warning disable CA1031 // a callback from native code must not throw
        catch (Exception)
#pragma warning restore CA1031
        {
        }
        return 0;
    }

    private static string Format(byte* format, nint args)
    {
        if (RuntimeInformation.ProcessArchitecture != Architecture.X64)
            return Marshal.PtrToStringUTF8((nint)format) ?? string.Empty; // va_list is not a plain pointer elsewhere
        // First attempt on a copy of the va_list (x86-64 va_copy is a 24-byte copy), so the original stays
        // usable for a second, exactly sized attempt when the verifier log is larger than the stack buffer.
        const int stackSize = 4096;
        var copy = stackalloc byte[24];
        Buffer.MemoryCopy((void*)args, copy, 24, 24);
        var small = stackalloc byte[stackSize];
        var needed = Interop.Libc.VsnPrintf(small, stackSize, format, (nint)copy);
        if (needed < 0)
            return string.Empty;
        if (needed < stackSize)
            return Encoding.UTF8.GetString(small, needed);
        var large = (byte*)NativeMemory.Alloc((nuint)needed + 1);
        try
        {
            var written = Interop.Libc.VsnPrintf(large, (nuint)needed + 1, format, args);
            return Encoding.UTF8.GetString(large, Math.Min(written, needed));
        }
        finally
        {
            NativeMemory.Free(large);
        }
    }
}
