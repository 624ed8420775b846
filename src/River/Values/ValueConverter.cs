using System.Collections;
using System.Collections.Concurrent;
using System.Globalization;
using System.Linq.Expressions;
using System.Reflection;
using River.Syntax;

namespace River.Values;

/// <summary>
/// Converts River values into .NET values for a target type, with Alloy's rules: <c>null</c> gives the type's
/// default, numbers become strings, strings that parse become numbers, durations are parsed from strings, lists,
/// string-keyed dictionaries and [River] classes are converted element by element, an interface or other plain class
/// needs a capsule holding an instance of it, and a secret never becomes a string. Errors are
/// <see cref="ValueException"/>s carrying the path inside the value.
/// </summary>
public static class ValueConverter
{
    /// <summary>The River name of what a target type expects, for messages (<c>number</c>, <c>array</c>, <c>capsule("IFoo")</c>).</summary>
    public static string ExpectedName(Type target)
    {
        target = Nullable.GetUnderlyingType(target) ?? target;
        if (target == typeof(string) || target == typeof(TimeSpan) || target.IsEnum)
        {
            return "string";
        }

        if (IsNumeric(target))
        {
            return "number";
        }

        if (target == typeof(bool))
        {
            return "bool";
        }

        if (target == typeof(Secret))
        {
            return "secret";
        }

        if (RiverSchema.ListElementType(target) is not null)
        {
            return "array";
        }

        if (RiverSchema.DictionaryValueType(target) is not null || RiverSchema.For(target) is not null)
        {
            return "object";
        }

        return $"capsule(\"{TypeDisplay.Name(target)}\")";
    }

    /// <summary>Converts <paramref name="value"/> to <paramref name="target"/>; throws <see cref="ValueException"/> on mismatch.</summary>
    public static object? Convert(Value value, Type target) => Convert(value, ConversionPlan.For(target));

    /// <summary><see cref="Convert(Value, Type)"/> with the target's plan already at hand (no per-call look-up).</summary>
    internal static object? Convert(Value value, ConversionPlan plan)
    {
        // Decoding converts every attribute and element: the common targets take a fast path picked once per type
        // (ConversionPlan); anything else, and every error, goes through the general rules below.
        var target = plan.Target;
        switch (plan.Kind)
        {
            case PlanKind.String when value is StringValue s:
                return s.Value;
            case PlanKind.Bool when value is BoolValue b:
                return b.Value ? BoxedTrue : BoxedFalse;
            case PlanKind.Int32 when value is NumberValue { NumberKind: NumberKind.Int } n && n.AsInt is >= int.MinValue and <= int.MaxValue:
                return BoxedInt32((int)n.AsInt);
            case PlanKind.Int64 when value is NumberValue { NumberKind: NumberKind.Int } n:
                return n.AsInt;
            case PlanKind.Double when value is NumberValue n:
                return n.AsFloat;
            case PlanKind.TimeSpan when value is StringValue s && GoDuration.TryParse(s.Value, out var duration, out _):
                return duration;
            case PlanKind.List when value is ArrayValue a:
                return ConvertList(a, plan);
            case PlanKind.Dictionary when value is ObjectValue o:
                return ConvertDictionary(o, plan);
            case PlanKind.Schema when value is ObjectValue o:
                return ConvertObject(o, plan.Schema!);
            case PlanKind.Capsule when value is CapsuleValue c && target.IsInstanceOfType(c.Inner):
                return c.Inner;
            default:
                return ConvertGeneral(value, target);
        }
    }

    /// <summary>
    /// Converts an expression made only of literals, arrays and objects straight into <paramref name="target"/>,
    /// without building the intermediate <see cref="Value"/>s (an array of objects of strings becomes the list of
    /// dictionaries directly). Covers exactly the cases whose result is certain from the syntax alone — a string
    /// literal into a string or duration, <c>true</c>/<c>false</c> into a bool, a plain decimal integer into an int,
    /// arrays into lists and objects into string-keyed dictionaries of those — and returns false for everything else
    /// and for anything that would fail, with nothing evaluated or reported: the caller then evaluates and converts
    /// as usual, so results and errors are those of <see cref="Convert"/> on the evaluated value.
    /// </summary>
    internal static bool TryConvertConstant(Expr expr, Type target, out object? result) =>
        TryConvertConstant(expr, ConversionPlan.For(target), out result);

    /// <summary><see cref="TryConvertConstant(Expr, Type, out object?)"/> with the target's plan at hand.</summary>
    internal static bool TryConvertConstant(Expr expr, ConversionPlan plan, out object? result)
    {
        result = null;
        switch (plan.Kind)
        {
            case PlanKind.String when expr is LiteralExpr { Kind: LiteralKind.String or LiteralKind.RawString } s:
                result = s.Text ?? string.Empty;
                return true;
            case PlanKind.Bool when expr is LiteralExpr { Kind: LiteralKind.Bool } b:
                result = b.Raw == "true" ? BoxedTrue : BoxedFalse;
                return true;
            case PlanKind.Int32 when expr is LiteralExpr { Kind: LiteralKind.Number } n && SmallDecimal(n.Raw) is { } small:
                result = BoxedInt32(small);
                return true;
            case PlanKind.TimeSpan when expr is LiteralExpr { Kind: LiteralKind.String or LiteralKind.RawString } s
                                       && GoDuration.TryParse(s.Text ?? string.Empty, out var duration, out _):
                result = duration;
                return true;
            case PlanKind.List when expr is ArrayExpr a:
            {
                var element = plan.ElementPlan;
                var list = plan.NewList(a.Elements.Length);
                foreach (var item in a.Elements)
                {
                    if (!TryConvertConstant(item, element, out var converted))
                    {
                        return false;
                    }

                    list.Add(converted);
                }

                result = plan.Complete(list);
                return true;
            }

            case PlanKind.Dictionary when expr is ObjectExpr o:
            {
                // Filled in source order, a repeated key keeping its first position and its last value: the order and
                // content the evaluated object (an ordered map, last value wins) converts to.
                var valueType = plan.ElementPlan;
                var dict = plan.NewDictionary();
                foreach (var field in o.Fields)
                {
                    if (!TryConvertConstant(field.Value, valueType, out var converted))
                    {
                        return false;
                    }

                    dict[field.Name] = converted;
                }

                result = dict;
                return true;
            }

            default:
                return false;
        }
    }

    // A decimal integer literal without a leading zero (which would make it octal) that fits an int, else null.
    private static int? SmallDecimal(string raw)
    {
        if (raw.Length is 0 or > 9 || (raw.Length > 1 && raw[0] == '0'))
        {
            return null;
        }

        var value = 0;
        foreach (var c in raw)
        {
            if (c is < '0' or > '9')
            {
                return null;
            }

            value = (value * 10) + (c - '0');
        }

        return value;
    }

    private static object? ConvertGeneral(Value value, Type target)
    {
        if (target == typeof(Value))
        {
            return value;
        }

        if (target.IsInstanceOfType(value) && typeof(Value).IsAssignableFrom(target))
        {
            return value;
        }

        if (target == typeof(object))
        {
            return ToNatural(value);
        }

        var underlying = Nullable.GetUnderlyingType(target);
        if (value is NullValue)
        {
            // null decodes to the zero value of any type (Alloy: "null is assignable to every attribute").
            return ZeroValue(target, underlying);
        }

        target = underlying ?? target;

        if (target == typeof(string))
        {
            return value switch
            {
                StringValue s => s.Value,
                NumberValue n => n.ToRiverString(),
                SecretValue => throw new ValueException("secrets may not be converted into strings", standalone: true),
                _ => throw ValueException.Type("string", value),
            };
        }

        if (target == typeof(bool))
        {
            return value is BoolValue b ? b.Value : throw ValueException.Type("bool", value);
        }

        if (IsNumeric(target))
        {
            return ConvertNumber(ToNumber(value), target);
        }

        if (target == typeof(TimeSpan))
        {
            // Alloy decodes a duration from a string first, so the number 5 becomes "5" and fails for lack of a unit.
            var text = (string)Convert(value, typeof(string))!;
            if (!GoDuration.TryParse(text, out var duration, out var error))
            {
                throw new ValueException($"is not a valid duration: {error}");
            }

            return duration;
        }

        if (target == typeof(Secret))
        {
            return value switch
            {
                SecretValue s => new Secret(s.Value),
                StringValue s => new Secret(s.Value),
                NumberValue n => new Secret(n.ToRiverString()),
                _ => throw ValueException.Type("secret", value),
            };
        }

        if (target.IsEnum)
        {
            return ConvertEnum(value, target);
        }

        if (RiverSchema.ListElementType(target) is not null)
        {
            return value is ArrayValue a ? ConvertList(a, ConversionPlan.For(target)) : throw ValueException.Type("array", value);
        }

        if (RiverSchema.DictionaryValueType(target) is not null)
        {
            return value is ObjectValue o ? ConvertDictionary(o, ConversionPlan.For(target)) : throw ValueException.Type("object", value);
        }

        if (RiverSchema.For(target) is { } schema)
        {
            return value is ObjectValue o ? ConvertObject(o, schema) : throw ValueException.Type("object", value);
        }

        if (value is CapsuleValue capsule && target.IsInstanceOfType(capsule.Inner))
        {
            return capsule.Inner;
        }

        throw ValueException.Type(ExpectedName(target), value is CapsuleValue c ? c.Description : value.KindName);
    }

    // Go's zero values, as far as .NET has them: "" for strings, empty lists and maps (a nil slice or map reads as
    // empty in Go), default(T) for value types, null for classes, capsules, secrets and nullables.
    private static object? ZeroValue(Type target, Type? nullableUnderlying)
    {
        if (nullableUnderlying is not null)
        {
            return null;
        }

        if (target.IsValueType)
        {
            return Activator.CreateInstance(target);
        }

        if (target == typeof(string))
        {
            return string.Empty;
        }

        if (RiverSchema.ListElementType(target) is { } element)
        {
            return target.IsArray ? Array.CreateInstance(element, 0) : NewList(element, 0);
        }

        if (RiverSchema.DictionaryValueType(target) is { } valueType)
        {
            return NewDictionary(valueType);
        }

        return null;
    }

    /// <summary>
    /// Converts a value to a number with Alloy's string rules: a leading <c>-</c> parses a signed integer, a string
    /// with <c>.</c>, <c>e</c> or <c>E</c> parses a float, anything else an unsigned integer.
    /// </summary>
    public static NumberValue ToNumber(Value value)
    {
        switch (value)
        {
            case NumberValue n:
                return n;
            case StringValue s:
                var text = s.Value;
                if (text.Length > 0)
                {
                    if (text[0] == '-')
                    {
                        if (long.TryParse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var l))
                        {
                            return NumberValue.FromInt(l);
                        }
                    }
                    else if (text.AsSpan().IndexOfAny('.', 'e', 'E') >= 0)
                    {
                        if (double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var d))
                        {
                            return NumberValue.FromFloat(d);
                        }
                    }
                    else if (ulong.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var u))
                    {
                        return u <= long.MaxValue ? NumberValue.FromInt((long)u) : NumberValue.FromUint(u);
                    }
                }

                throw ValueException.Type("number", value);
            default:
                throw ValueException.Type("number", value);
        }
    }

    /// <summary>
    /// The natural .NET form of a value (for <see cref="object"/> targets): null, long (or ulong beyond long), double,
    /// string, bool, <c>List&lt;object?&gt;</c>, <c>Dictionary&lt;string, object?&gt;</c>, <see cref="Secret"/>, a capsule's
    /// object, or the <see cref="FunctionValue"/> itself.
    /// </summary>
    public static object? ToNatural(Value value)
    {
        switch (value)
        {
            case NullValue:
                return null;
            case BoolValue b:
                return b.Value;
            case NumberValue n:
                return n.NumberKind switch
                {
                    NumberKind.Float => n.AsFloat,
                    NumberKind.Uint when n.AsUint > long.MaxValue => n.AsUint,
                    _ => (object)n.AsInt,
                };
            case StringValue s:
                return s.Value;
            case SecretValue s:
                return new Secret(s.Value);
            case ArrayValue a:
                var list = new List<object?>(a.Count);
                foreach (var e in a.Elements)
                {
                    list.Add(ToNatural(e));
                }

                return list;
            case ObjectValue o:
                var dict = new Dictionary<string, object?>(o.Count, StringComparer.Ordinal);
                foreach (var (k, v) in o.Fields)
                {
                    dict[k] = ToNatural(v);
                }

                return dict;
            case CapsuleValue c:
                return c.Inner;
            default:
                return value;
        }
    }

    /// <summary>A new <c>List&lt;T&gt;</c> for an element type (the constructed type is cached: MakeGenericType is slow).</summary>
    public static IList NewList(Type element, int capacity)
    {
        // Through the list type's conversion plan: Activator.CreateInstance with an argument binds the constructor on
        // every call (about 6 % of `river validate` of 10 000 blocks with a repeated nested block, AOT CLI).
        var plan = ListPlans.GetOrAdd(element, static e => ConversionPlan.For(typeof(List<>).MakeGenericType(e)));
        return plan.NewList(capacity);
    }

    /// <summary>A new <c>Dictionary&lt;string, T&gt;</c> with ordinal keys (the constructed type is cached).</summary>
    public static IDictionary NewDictionary(Type valueType)
    {
        var dictType = DictionaryTypes.GetOrAdd(valueType, static v => typeof(Dictionary<,>).MakeGenericType(typeof(string), v));
        return (IDictionary)Activator.CreateInstance(dictType)!;
    }

    private static readonly System.Collections.Concurrent.ConcurrentDictionary<Type, ConversionPlan> ListPlans = new();
    private static readonly System.Collections.Concurrent.ConcurrentDictionary<Type, Type> DictionaryTypes = new();

    /// <summary>The snake_case River spelling of an enum member (<c>OnlyHttp</c> → <c>only_http</c>).</summary>
    public static string EnumName(Enum value) => ToSnake(value.ToString());

    internal static string ToSnake(string name)
    {
        var sb = new System.Text.StringBuilder(name.Length + 4);
        for (var i = 0; i < name.Length; i++)
        {
            var c = name[i];
            if (char.IsUpper(c))
            {
                if (i > 0 && (char.IsLower(name[i - 1]) || (i + 1 < name.Length && char.IsLower(name[i + 1]) && char.IsUpper(name[i - 1]))))
                {
                    sb.Append('_');
                }

                sb.Append(char.ToLowerInvariant(c));
            }
            else
            {
                sb.Append(c);
            }
        }

        return sb.ToString();
    }

    private static bool IsNumeric(Type t) =>
        t == typeof(int) || t == typeof(long) || t == typeof(double) || t == typeof(ulong) || t == typeof(uint)
        || t == typeof(short) || t == typeof(ushort) || t == typeof(byte) || t == typeof(sbyte) || t == typeof(float)
        || t == typeof(decimal);

    private static object ConvertNumber(NumberValue n, Type target)
    {
        if (target == typeof(double))
        {
            return n.AsFloat;
        }

        if (target == typeof(float))
        {
            return (float)n.AsFloat;
        }

        if (target == typeof(decimal))
        {
            return (decimal)n.AsFloat;
        }

        if (n.NumberKind == NumberKind.Float && (n.AsFloat != Math.Truncate(n.AsFloat) || double.IsInfinity(n.AsFloat)))
        {
            throw new ValueException("is not a whole number");
        }

        try
        {
            // Range-check through decimal so that uint64 values beyond int64 and negative ints are both handled; a
            // float beyond decimal's range (1e30) overflows here too and gets the same message.
            decimal d = n.NumberKind switch
            {
                NumberKind.Uint => n.AsUint,
                NumberKind.Int => n.AsInt,
                _ => (decimal)n.AsFloat,
            };
            return System.Convert.ChangeType(d, target, CultureInfo.InvariantCulture);
        }
        catch (OverflowException)
        {
            throw new ValueException($"overflows {target.Name.ToLowerInvariant()}");
        }
    }

    private static object ConvertEnum(Value value, Type target)
    {
        if (value is not StringValue s)
        {
            throw ValueException.Type("string", value);
        }

        foreach (var name in Enum.GetNames(target))
        {
            if (string.Equals(ToSnake(name), s.Value, StringComparison.Ordinal) || string.Equals(name, s.Value, StringComparison.OrdinalIgnoreCase))
            {
                return Enum.Parse(target, name);
            }
        }

        var allowed = string.Join(", ", Enum.GetNames(target).Select(n => ValuePrinter.Quote(ToSnake(n))));
        throw new ValueException($"is not one of {allowed}");
    }

    private static object ConvertList(ArrayValue a, ConversionPlan plan)
    {
        var element = plan.ElementPlan;
        var list = plan.NewList(a.Count);
        for (var i = 0; i < a.Count; i++)
        {
            try
            {
                list.Add(Convert(a[i], element));
            }
            catch (ValueException e)
            {
                throw e.AtIndex(i);
            }
        }

        return plan.Complete(list);
    }

    private static object ConvertDictionary(ObjectValue o, ConversionPlan plan)
    {
        var valueType = plan.ElementPlan;
        var dict = plan.NewDictionary();
        foreach (var (k, v) in o.FieldMap)
        {
            try
            {
                dict[k] = Convert(v, valueType);
            }
            catch (ValueException e)
            {
                throw e.AtKey(k);
            }
        }

        return dict;
    }

    private static object ConvertObject(ObjectValue o, RiverSchema schema)
    {
        var instance = CompiledAccessors.Create(schema.Type)
            ?? throw new ValueException($"cannot create {schema.Type.Name}");
        foreach (var (k, v) in o.FieldMap)
        {
            if (!schema.TryGetField(k, out var field))
            {
                throw new ValueException($"does not have field named {ValuePrinter.Quote(k)}");
            }

            try
            {
                field.SetValue(instance, Convert(v, field.Property.PropertyType));
            }
            catch (ValueException e)
            {
                throw e.AtKey(k);
            }
            catch (TargetInvocationException e) when (e.InnerException is not null)
            {
                throw new ValueException(e.InnerException.Message).AtKey(k);
            }
        }

        return instance;
    }

    private static readonly object BoxedTrue = true;
    private static readonly object BoxedFalse = false;

    // Boxed ints for the common small values, so converting `limit = 10` allocates nothing.
    private static readonly object[] SmallInt32 = CreateSmallInt32();

    private static object BoxedInt32(int value) => (uint)(value + 128) < (uint)SmallInt32.Length ? SmallInt32[value + 128] : value;

    private static object[] CreateSmallInt32()
    {
        var boxes = new object[128 + 1024];
        for (var i = 0; i < boxes.Length; i++)
        {
            boxes[i] = i - 128;
        }

        return boxes;
    }

    internal enum PlanKind
    {
        General,
        String,
        Bool,
        Int32,
        Int64,
        Double,
        TimeSpan,
        List,
        Dictionary,
        Schema,
        Capsule,
    }

    /// <summary>
    /// What converting to one target type needs, worked out once per type: which fast path applies, the element type,
    /// and compiled constructors for the list or dictionary to fill (Activator with arguments is slow).
    /// </summary>
    internal sealed class ConversionPlan
    {
        private static readonly ConcurrentDictionary<Type, ConversionPlan> Plans = new();
        private readonly Func<int, IList>? _newList;
        private readonly Func<IDictionary>? _newDictionary;
        private ConversionPlan? _elementPlan;

        private ConversionPlan(Type target)
        {
            Target = target;
            // Null and nullable targets keep the general path (zero values, Nullable<T> boxing).
            if (target == typeof(string))
            {
                Kind = PlanKind.String;
            }
            else if (target == typeof(bool))
            {
                Kind = PlanKind.Bool;
            }
            else if (target == typeof(int))
            {
                Kind = PlanKind.Int32;
            }
            else if (target == typeof(long))
            {
                Kind = PlanKind.Int64;
            }
            else if (target == typeof(double))
            {
                Kind = PlanKind.Double;
            }
            else if (target == typeof(TimeSpan))
            {
                Kind = PlanKind.TimeSpan;
            }
            else if (typeof(Value).IsAssignableFrom(target) || target == typeof(object))
            {
                Kind = PlanKind.General;
            }
            else if (RiverSchema.ListElementType(target) is { } element)
            {
                Kind = PlanKind.List;
                Element = element;
                IsArray = target.IsArray;
                var listType = typeof(List<>).MakeGenericType(element);
                var listConstructor = listType.GetConstructor([typeof(int)])!;
                if (RiverAccessors.ListConstructor(listType) is { } generated)
                {
                    // Written by River.Generators for the list types of argument and export properties.
                    _newList = generated;
                }
                else if (CompiledAccessors.Compiles)
                {
                    var capacity = Expression.Parameter(typeof(int), "capacity");
                    _newList = Expression.Lambda<Func<int, IList>>(
                        Expression.Convert(Expression.New(listConstructor, capacity), typeof(IList)), capacity).Compile();
                }
                else
                {
                    // ConstructorInvoker: no argument array per call.
                    var invoker = ConstructorInvoker.Create(listConstructor);
                    _newList = capacity => (IList)invoker.Invoke(capacity);
                }
            }
            else if (RiverSchema.DictionaryValueType(target) is { } valueType)
            {
                Kind = PlanKind.Dictionary;
                Element = valueType;
                var dictionaryType = typeof(Dictionary<,>).MakeGenericType(typeof(string), valueType);
                var dictionaryConstructor = dictionaryType.GetConstructor(Type.EmptyTypes)!;
                if (RiverAccessors.Constructor(dictionaryType) is { } generated)
                {
                    _newDictionary = () => (IDictionary)generated();
                }
                else if (CompiledAccessors.Compiles)
                {
                    _newDictionary = Expression.Lambda<Func<IDictionary>>(
                        Expression.Convert(Expression.New(dictionaryConstructor), typeof(IDictionary))).Compile();
                }
                else
                {
                    var invoker = ConstructorInvoker.Create(dictionaryConstructor);
                    _newDictionary = () => (IDictionary)invoker.Invoke();
                }
            }
            else if (RiverSchema.For(target) is { } schema)
            {
                Kind = PlanKind.Schema;
                Schema = schema;
            }
            else if (!target.IsValueType && target != typeof(Secret))
            {
                // An interface or plain class: only a capsule holding an instance of it converts.
                Kind = PlanKind.Capsule;
            }
        }

        /// <summary>The type converted to.</summary>
        public Type Target { get; }

        public PlanKind Kind { get; }

        /// <summary>The plan of <see cref="Element"/>, kept here so that converting each element needs no look-up.</summary>
        public ConversionPlan ElementPlan => _elementPlan ??= For(Element!);

        public Type? Element { get; }

        public bool IsArray { get; }

        public RiverSchema? Schema { get; }

        public static ConversionPlan For(Type target) => Plans.GetOrAdd(target, static t => new ConversionPlan(t));

        public IList NewList(int capacity) => _newList!(capacity);

        /// <summary>The converted list as the target wants it: the list itself, or an array of its items.</summary>
        public object Complete(IList list)
        {
            if (!IsArray)
            {
                return list;
            }

            var array = Array.CreateInstance(Element!, list.Count);
            list.CopyTo(array, 0);
            return array;
        }

        public IDictionary NewDictionary() => _newDictionary!();
    }
}
