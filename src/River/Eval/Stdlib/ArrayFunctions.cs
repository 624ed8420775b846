using River.Values;

namespace River.Eval;

/// <summary>The <c>array</c> namespace. <c>combine_maps</c> and <c>group_by</c> are experimental, as in Alloy.</summary>
internal static class ArrayFunctions
{
    /// <summary><c>array.concat(…)</c>: no arguments give <c>[]</c>; a single array is returned as is.</summary>
    public static Value Concat(Value[] args)
    {
        if (args.Length == 0)
        {
            return ArrayValue.Empty;
        }

        var items = new List<Value>();
        for (var i = 0; i < args.Length; i++)
        {
            items.AddRange(Args.Array(args, i).Elements);
        }

        return args.Length == 1 ? args[0] : new ArrayValue(items.ToArray());
    }

    /// <summary>
    /// <c>array.combine_maps(lhs, rhs, keys [, passthrough])</c>: for each lhs × rhs pair whose values for every key
    /// are equal (typed equality: 1 ≠ "1"), the merged object, rhs winning on conflicts. With passthrough, lhs objects
    /// that matched nothing are kept once (Alloy repeats them per non-matching rhs item; we keep one copy).
    /// </summary>
    public static Value CombineMaps(Value[] args)
    {
        var lhs = Objects(args, 0);
        var rhs = Objects(args, 1);
        var keys = Args.Strings(args, 2);
        var passthrough = args.Length > 3 && Args.Bool(args, 3);
        if (keys.Count == 0)
        {
            throw new ValueException("merge conditions must not be empty", standalone: true);
        }

        var result = new List<Value>();
        foreach (var l in lhs)
        {
            var matched = false;
            foreach (var r in rhs)
            {
                if (!keys.TrueForAll(k => l.TryGet(k, out var lv) && r.TryGet(k, out var rv) && lv.Equals(rv)))
                {
                    continue;
                }

                matched = true;
                var merged = new OrderedDictionary<string, Value>(StringComparer.Ordinal);
                foreach (var (k, v) in l.Fields)
                {
                    merged[k] = v;
                }

                foreach (var (k, v) in r.Fields)
                {
                    merged[k] = v;
                }

                result.Add(new ObjectValue(merged));
            }

            if (!matched && passthrough)
            {
                result.Add(l);
            }
        }

        return result.Count == 0 ? ArrayValue.Empty : new ArrayValue(result.ToArray());
    }

    /// <summary>
    /// <c>array.group_by(list, key, drop_missing)</c>: groups objects by the string value of <c>key</c> into
    /// <c>{ &lt;key&gt; = value, items = [...] }</c>, groups in order of first appearance; objects without the key are
    /// dropped when <c>drop_missing</c>, else grouped under <c>""</c>.
    /// </summary>
    public static Value GroupBy(Value[] args)
    {
        var list = Objects(args, 0);
        var key = Args.String(args, 1);
        var dropMissing = Args.Bool(args, 2);
        var groups = new OrderedDictionary<string, List<Value>>(StringComparer.Ordinal);
        for (var i = 0; i < list.Count; i++)
        {
            string groupKey;
            if (list[i].TryGet(key, out var v) && v is not NullValue)
            {
                try
                {
                    groupKey = (string)ValueConverter.Convert(v, typeof(string))!;
                }
                catch (ValueException e)
                {
                    throw ValueException.Argument(0, e.AtKey(key).AtIndex(i));
                }
            }
            else if (dropMissing)
            {
                continue;
            }
            else
            {
                groupKey = string.Empty;
            }

            if (!groups.TryGetValue(groupKey, out var members))
            {
                members = [];
                groups[groupKey] = members;
            }

            members.Add(list[i]);
        }

        var result = new List<Value>(groups.Count);
        foreach (var (k, members) in groups)
        {
            var fields = new OrderedDictionary<string, Value>(StringComparer.Ordinal)
            {
                [key] = Value.String(k),
                ["items"] = new ArrayValue(members.ToArray()),
            };
            result.Add(new ObjectValue(fields));
        }

        return result.Count == 0 ? ArrayValue.Empty : new ArrayValue(result.ToArray());
    }

    private static List<ObjectValue> Objects(Value[] args, int index)
    {
        var arr = Args.Array(args, index);
        var list = new List<ObjectValue>(arr.Count);
        for (var i = 0; i < arr.Count; i++)
        {
            list.Add(arr[i] as ObjectValue ?? throw ValueException.Argument(index, ValueException.Type("object", arr[i]).AtIndex(i)));
        }

        return list;
    }
}
