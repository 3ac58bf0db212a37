using ArtifactStore.Core.Hashing;

namespace ArtifactStore.Core.Tests.Hashing;

public sealed class Blake3HasherTests
{
    [Fact]
    public void finalize_leaves_the_state_alone_so_it_can_repeat_and_input_can_continue()
    {
        var input = Blake3VectorTests.Input(5000);
        using var hasher = Blake3Hasher.Create();
        hasher.Update(input.AsSpan(0, 3000));
        var early = hasher.Finalize();
        Assert.Equal(early, hasher.Finalize());
        Assert.Equal(Blake3Hasher.Hash(input.AsSpan(0, 3000)), early);

        hasher.Update(input.AsSpan(3000));
        Assert.Equal(Blake3Hasher.Hash(input), hasher.Finalize());
    }

    [Fact]
    public void extended_output_starts_with_the_default_hash_and_any_length_is_a_prefix_of_a_longer_one()
    {
        using var hasher = Blake3Hasher.Create();
        hasher.Update("abc"u8);
        var longOutput = new byte[1000];
        hasher.Finalize(longOutput);
        for (var length = 0; length <= 200; length++)
        {
            var output = new byte[length];
            hasher.Finalize(output);
            Assert.Equal(longOutput[..length], output);
        }

        Assert.Equal(longOutput[..32], hasher.Finalize());
    }

    [Fact]
    public void reset_forgets_the_input_but_keeps_the_mode()
    {
        var key = Enumerable.Range(0, 32).Select(i => (byte)i).ToArray();
        using var hasher = Blake3Hasher.CreateKeyed(key);
        hasher.Update(Blake3VectorTests.Input(70_000));
        hasher.Reset();
        hasher.Update("x"u8);

        using var fresh = Blake3Hasher.CreateKeyed(key);
        fresh.Update("x"u8);
        Assert.Equal(fresh.Finalize(), hasher.Finalize());
        Assert.NotEqual(Blake3Hasher.Hash("x"u8), hasher.Finalize());
    }

    [Theory]
    [InlineData(2048, 1)]
    [InlineData(4096, 1024)]
    [InlineData(65536, 10)]
    [InlineData(3072, 5)]
    [InlineData(1024, 1)]
    public void a_small_update_after_whole_chunks_finalizes_to_the_one_shot_hash(int first, int second)
    {
        var input = Blake3VectorTests.Input(first + second);
        using var hasher = Blake3Hasher.Create();
        hasher.Update(input.AsSpan(0, first));
        hasher.Update(input.AsSpan(first));
        Assert.Equal(Blake3Hasher.Hash(input), hasher.Finalize());

    }

    [Fact]
    public void random_sequences_of_boundary_sized_updates_match_the_one_shot_hash()
    {
        int[] sizes = [0, 1, 63, 64, 65, 1023, 1024, 1025, 2048, 3072, 4096, 65535, 65536, 65537, 131072];
        var random = new Random(1234);
        var data = new byte[600_000];
        random.NextBytes(data);
        for (var iteration = 0; iteration < 150; iteration++)
        {
            using var hasher = Blake3Hasher.Create();
            var offset = 0;
            for (var updates = random.Next(1, 8); updates > 0; updates--)
            {
                var size = random.Next(3) == 0 ? random.Next(0, 70_000) : sizes[random.Next(sizes.Length)];
                size = Math.Min(size, data.Length - offset);
                hasher.Update(data.AsSpan(offset, size));
                offset += size;
                if (random.Next(4) == 0)
                {
                    _ = hasher.Finalize(); // finalizing midway must not disturb what follows
                }
            }

            Assert.True(Blake3Hasher.Hash(data.AsSpan(0, offset)).AsSpan().SequenceEqual(hasher.Finalize()), $"iteration {iteration}, {offset} bytes");
        }
    }

    [Fact]
    public void a_key_of_the_wrong_length_is_refused()
    {
        Assert.Throws<ArgumentException>(() => Blake3Hasher.CreateKeyed(new byte[31]));
        Assert.Throws<ArgumentException>(() => Blake3Hasher.CreateKeyed(new byte[33]));
    }
}
