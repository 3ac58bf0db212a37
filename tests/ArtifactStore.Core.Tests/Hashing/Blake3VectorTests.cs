using System.Text.Json;
using ArtifactStore.Core.Hashing;

namespace ArtifactStore.Core.Tests.Hashing;

/// <summary>The official BLAKE3 test vectors (test_vectors/test_vectors.json of BLAKE3-team/BLAKE3).</summary>
public sealed class Blake3VectorTests
{
    private static readonly Lazy<VectorFile> Vectors = new(Load);

    public static TheoryData<int> Cases
    {
        get
        {
            var data = new TheoryData<int>();
            foreach (var testCase in Vectors.Value.Cases)
            {
                data.Add(testCase.InputLength);
            }

            return data;
        }
    }

    [Fact]
    public void the_vector_file_holds_the_published_cases()
    {
        Assert.Equal(22, Vectors.Value.Cases.Count);
        Assert.Equal("whats the Elvish word for friend", Vectors.Value.Key);
        Assert.Equal("BLAKE3 2019-12-27 16:29:52 test vectors context", Vectors.Value.Context);
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void hash_keyed_hash_and_derive_key_match_the_official_vectors(int inputLength)
    {
        var testCase = Vectors.Value.Find(inputLength);
        var input = Input(inputLength);
        foreach (var (mode, expected) in testCase.Modes)
        {
            using var hasher = NewHasher(mode);
            hasher.Update(input);
            var extended = new byte[expected.Length];
            hasher.Finalize(extended);
            Assert.Equal(Convert.ToHexStringLower(expected), Convert.ToHexStringLower(extended));
            Assert.Equal(Convert.ToHexStringLower(expected[..32]), Convert.ToHexStringLower(hasher.Finalize()));
        }
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void feeding_the_input_in_pieces_gives_the_same_output_as_one_update(int inputLength)
    {
        var testCase = Vectors.Value.Find(inputLength);
        var input = Input(inputLength);
        var random = new Random(inputLength);
        var patterns = new List<int[]>
        {
            Pieces(inputLength, 1023),
            Pieces(inputLength, 1025),
            Pieces(inputLength, 64),
            Pieces(inputLength, 4097),
            RandomPieces(inputLength, random, 100),
            RandomPieces(inputLength, random, 20_000),
        };
        if (inputLength <= 8193)
        {
            patterns.Add(Pieces(inputLength, 1));
        }

        foreach (var (mode, expected) in testCase.Modes)
        {
            foreach (var pattern in patterns)
            {
                using var hasher = NewHasher(mode);
                var offset = 0;
                foreach (var piece in pattern)
                {
                    hasher.Update(input.AsSpan(offset, piece));
                    offset += piece;
                }

                var output = new byte[expected.Length];
                hasher.Finalize(output);
                Assert.True(expected.AsSpan().SequenceEqual(output), $"{mode}, pieces {string.Join(",", pattern.Take(8))}...");
            }
        }
    }

    [Fact]
    public void the_static_hash_matches_the_vector_for_every_length()
    {
        foreach (var testCase in Vectors.Value.Cases)
        {
            Assert.Equal(testCase.Modes[0].Expected[..32], Blake3Hasher.Hash(Input(testCase.InputLength)));
        }
    }

    internal static byte[] Input(int length)
    {
        var input = new byte[length];
        for (var i = 0; i < length; i++)
        {
            input[i] = (byte)(i % 251);
        }

        return input;
    }

    private static Blake3Hasher NewHasher(string mode) => mode switch
    {
        "hash" => Blake3Hasher.Create(),
        "keyed_hash" => Blake3Hasher.CreateKeyed(System.Text.Encoding.ASCII.GetBytes(Vectors.Value.Key)),
        _ => Blake3Hasher.CreateDeriveKey(Vectors.Value.Context),
    };

    private static int[] Pieces(int length, int size) =>
        Enumerable.Range(0, (length + size - 1) / size).Select(i => Math.Min(size, length - (i * size))).ToArray();

    private static int[] RandomPieces(int length, Random random, int maxPiece)
    {
        var pieces = new List<int>();
        for (var left = length; left > 0;)
        {
            var piece = Math.Min(left, random.Next(0, maxPiece + 1));
            pieces.Add(piece);
            left -= piece;
        }

        return [.. pieces];
    }

    private static VectorFile Load()
    {
        using var document = JsonDocument.Parse(File.ReadAllBytes(Path.Combine(AppContext.BaseDirectory, "Vectors", "blake3_test_vectors.json")));
        var root = document.RootElement;
        var cases = root.GetProperty("cases").EnumerateArray().Select(c => new VectorCase(
            c.GetProperty("input_len").GetInt32(),
            [
                ("hash", Convert.FromHexString(c.GetProperty("hash").GetString()!)),
                ("keyed_hash", Convert.FromHexString(c.GetProperty("keyed_hash").GetString()!)),
                ("derive_key", Convert.FromHexString(c.GetProperty("derive_key").GetString()!)),
            ])).ToList();
        return new VectorFile(root.GetProperty("key").GetString()!, root.GetProperty("context_string").GetString()!, cases);
    }

    private sealed record VectorCase(int InputLength, (string Mode, byte[] Expected)[] Modes);

    private sealed record VectorFile(string Key, string Context, List<VectorCase> Cases)
    {
        public VectorCase Find(int inputLength) => Cases.Single(c => c.InputLength == inputLength);
    }
}
