using System.Diagnostics.CodeAnalysis;

namespace ArtifactStore.Core.Errors;

/// <summary>Either a value or a <see cref="StoreError"/>: how the domain reports expected outcomes.</summary>
public readonly struct Result<T>
{
    private readonly T? _value;

    private Result(T? value, StoreError? error)
    {
        _value = value;
        Error = error;
    }

    public StoreError? Error { get; }

    [MemberNotNullWhen(false, nameof(Error))]
    public bool IsSuccess => Error is null;

    public T Value => Error is null ? _value! : throw new InvalidOperationException($"Result holds an error: {Error}");

    public static Result<T> Ok(T value) => new(value, null);

    public static Result<T> Fail(StoreError error) => new(default, error);

    public static implicit operator Result<T>(T value) => Ok(value);

    public static implicit operator Result<T>(StoreError error) => Fail(error);
}
