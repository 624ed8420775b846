using System.Runtime.InteropServices;
using System.Text;

namespace River.Ebpf;

/// <summary>
/// An eBPF ELF object: opened from memory, adjusted (map sizes, read-only globals), then loaded into the kernel.
/// Owns the native <c>bpf_object</c>, its maps and programs, and every link created through its programs;
/// disposing it detaches and closes all of them.
/// </summary>
public sealed unsafe class BpfObject : IDisposable
{
    private readonly BpfObjectHandle _handle;
    private readonly List<BpfLink> _links = [];
    private readonly Dictionary<string, nint> _maps = new(StringComparer.Ordinal);
    private readonly Dictionary<string, BpfProgram> _programs = new(StringComparer.Ordinal);
    private bool _disposed;

    private BpfObject(BpfObjectHandle handle, string name)
    {
        _handle = handle;
        Name = name;
        for (nint map = Interop.Libbpf.ObjectNextMap(Pointer, 0); map != 0; map = Interop.Libbpf.ObjectNextMap(Pointer, map))
            _maps[Utf8(Interop.Libbpf.MapName(map))] = map;
        for (nint prog = Interop.Libbpf.ObjectNextProgram(Pointer, 0); prog != 0; prog = Interop.Libbpf.ObjectNextProgram(Pointer, prog))
        {
            var program = new BpfProgram(this, prog, Utf8(Interop.Libbpf.ProgramName(prog)),
                Utf8(Interop.Libbpf.ProgramSectionName(prog)));
            _programs[program.Name] = program;
        }
    }

    /// <summary>The object name given at open.</summary>
    public string Name { get; }

    /// <summary>True once <see cref="Load"/> succeeded.</summary>
    public bool IsLoaded { get; private set; }

    /// <summary>Names of the maps, including the internal .rodata/.data/.bss maps.</summary>
    public IReadOnlyCollection<string> MapNames => _maps.Keys;

    /// <summary>The programs of the object, by function name.</summary>
    public IReadOnlyDictionary<string, BpfProgram> Programs => _programs;

    internal nint Pointer => _handle.DangerousGetHandle();

    /// <summary>Parses an ELF object held in memory (nothing enters the kernel yet).</summary>
    /// <exception cref="BpfException">libbpf rejected the ELF; the message carries libbpf's output.</exception>
    public static BpfObject OpenMemory(ReadOnlySpan<byte> elf, string name)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        if (elf.IsEmpty)
            throw new ArgumentException("the ELF image is empty", nameof(elf));
        EbpfSupport.EnsureSupported();
        using var capture = LibbpfLog.BeginCapture();
        var nameBytes = Encoding.UTF8.GetBytes(name + "\0");
        nint pointer;
        int errno;
        // libbpf keeps its own copy of the ELF, so the span only has to live through this call.
        fixed (byte* data = elf)
        fixed (byte* namePtr = nameBytes)
        {
            var options = new Interop.Libbpf.ObjectOpenOptions
            {
                Size = (nuint)sizeof(Interop.Libbpf.ObjectOpenOptions),
                ObjectName = namePtr,
            };
            pointer = Interop.Libbpf.ObjectOpenMem(data, (nuint)elf.Length, &options);
            errno = Marshal.GetLastPInvokeError();
        }
        if (pointer == 0)
            throw new BpfException($"opening BPF object '{name}' failed", errno, capture.Text);
        return new BpfObject(new BpfObjectHandle(pointer), name);
    }

    /// <summary>Opens an object embedded as a manifest resource of <paramref name="assembly"/>.</summary>
    /// <exception cref="BpfException">The resource is missing (the build lacked clang/bpftool) or invalid.</exception>
    public static BpfObject OpenEmbedded(System.Reflection.Assembly assembly, string resourceName)
    {
        ArgumentNullException.ThrowIfNull(assembly);
        using var stream = assembly.GetManifestResourceStream(resourceName)
            ?? throw new BpfException($"BPF object '{resourceName}' is not embedded in {assembly.GetName().Name} " +
                "(the build machine lacked clang-14, bpftool, libbpf-dev or kernel BTF)");
        var bytes = new byte[stream.Length];
        stream.ReadExactly(bytes);
        return OpenMemory(bytes, Path.GetFileNameWithoutExtension(Path.GetFileNameWithoutExtension(resourceName))
            .Split('.').Last());
    }

    /// <summary>Sets a map's capacity; only before <see cref="Load"/>.</summary>
    public void SetMaxEntries(string mapName, uint maxEntries)
    {
        EnsureOpenNotLoaded();
        var map = FindMap(mapName);
        var rc = Interop.Libbpf.MapSetMaxEntries(map, maxEntries);
        if (rc < 0)
            throw new BpfException($"setting max_entries of map '{mapName}' to {maxEntries} failed", -rc);
    }

    /// <summary>Whether a program is loaded at all; only before <see cref="Load"/>.</summary>
    public void SetAutoload(string programName, bool autoload)
    {
        EnsureOpenNotLoaded();
        var rc = Interop.Libbpf.ProgramSetAutoload(GetProgram(programName).Pointer, autoload);
        if (rc < 0)
            throw new BpfException($"setting autoload of program '{programName}' failed", -rc);
    }

    /// <summary>
    /// Writes a global variable of a .rodata/.data/.bss section (a <c>const volatile</c> in C) before load.
    /// The variable is found by name through the object's BTF, and its size must equal sizeof(T).
    /// </summary>
    public void SetGlobal<T>(string variableName, T value) where T : unmanaged
    {
        EnsureOpenNotLoaded();
        var btf = Interop.Libbpf.ObjectBtf(Pointer);
        if (btf == 0)
            throw new BpfException($"object '{Name}' has no BTF, so global '{variableName}' cannot be located");
        foreach (var (mapName, map) in _maps)
        {
            if (!mapName.Contains(".rodata", StringComparison.Ordinal) && !mapName.Contains(".data", StringComparison.Ordinal)
                && !mapName.Contains(".bss", StringComparison.Ordinal))
                continue;
            var section = Interop.Libbpf.BtfTypeById(btf, Interop.Libbpf.MapBtfValueTypeId(map));
            if (section is null)
                continue;
            var count = (int)(section->Info & 0xffff);
            var vars = (Interop.Libbpf.BtfVarSecInfo*)(section + 1);
            for (var i = 0; i < count; i++)
            {
                var variable = Interop.Libbpf.BtfTypeById(btf, vars[i].Type);
                if (variable is null || Utf8(Interop.Libbpf.BtfNameByOffset(btf, variable->NameOffset)) != variableName)
                    continue;
                if (vars[i].Size != sizeof(T))
                    throw new ArgumentException(
                        $"global '{variableName}' is {vars[i].Size} bytes but {typeof(T).Name} is {sizeof(T)}", nameof(value));
                nuint size;
                var data = (byte*)Interop.Libbpf.MapInitialValue(map, &size);
                if (data is null || vars[i].Offset + vars[i].Size > size)
                    throw new BpfException($"initial data of section '{mapName}' is not writable");
                *(T*)(data + vars[i].Offset) = value;
                return;
            }
        }
        throw new ArgumentException($"object '{Name}' has no global variable '{variableName}'", nameof(variableName));
    }

    /// <summary>
    /// Creates the maps and loads every program into the kernel.
    /// </summary>
    /// <exception cref="BpfLoadException">The kernel refused a program; the exception carries the verifier log.</exception>
    public void Load()
    {
        EnsureOpenNotLoaded();
        using var capture = LibbpfLog.BeginCapture();
        var rc = Interop.Libbpf.ObjectLoad(Pointer);
        if (rc < 0)
            throw new BpfLoadException($"loading BPF object '{Name}' failed", -rc, capture.Text);
        IsLoaded = true;
    }

    /// <summary>A program by its C function name.</summary>
    public BpfProgram GetProgram(string name)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        return _programs.TryGetValue(name, out var program)
            ? program
            : throw new ArgumentException($"object '{Name}' has no program '{name}'; it has: {string.Join(", ", _programs.Keys)}", nameof(name));
    }

    /// <summary>A typed view of a loaded map. Key and value sizes are checked against the map.</summary>
    public BpfMap<TKey, TValue> GetMap<TKey, TValue>(string name) where TKey : unmanaged where TValue : unmanaged
    {
        if (!IsLoaded)
            throw new InvalidOperationException($"object '{Name}' is not loaded; maps exist only after Load()");
        return new BpfMap<TKey, TValue>(this, FindMap(name), name);
    }

    /// <summary>The fd of a loaded map, for a <see cref="RingBufferReader"/>. Borrowed: the object closes it.</summary>
    public int GetMapFd(string name)
    {
        if (!IsLoaded)
            throw new InvalidOperationException($"object '{Name}' is not loaded; maps exist only after Load()");
        return Interop.Libbpf.MapFd(FindMap(name));
    }

    /// <summary>Opens a ring-buffer reader over the named BPF_MAP_TYPE_RINGBUF map.</summary>
    public RingBufferReader OpenRingBuffer(string mapName, RingBufferHandler handler)
    {
        var reader = new RingBufferReader(GetMapFd(mapName), handler);
        return reader;
    }

    /// <summary>Detaches every link, then closes the object's programs and maps.</summary>
    public void Dispose()
    {
        if (_disposed)
            return;
        _disposed = true;
        foreach (var link in _links.ToArray())
            link.Dispose();
        _links.Clear();
        _handle.Dispose();
    }

    internal nint FindMap(string name)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        return _maps.TryGetValue(name, out var map)
            ? map
            : throw new ArgumentException($"object '{Name}' has no map '{name}'; it has: {string.Join(", ", _maps.Keys)}", nameof(name));
    }

    internal void Track(BpfLink link) => _links.Add(link);

    internal void Untrack(BpfLink link) => _links.Remove(link);

    internal void EnsureLoaded()
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (!IsLoaded)
            throw new InvalidOperationException($"object '{Name}' is not loaded");
    }

    private void EnsureOpenNotLoaded()
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (IsLoaded)
            throw new InvalidOperationException($"object '{Name}' is already loaded; adjust it before Load()");
    }

    internal static string Utf8(byte* text) => Marshal.PtrToStringUTF8((nint)text) ?? string.Empty;
}
