using ArtifactStore.Core.Hashing;

namespace ArtifactStore.Core.Tests.Hashing;

public sealed class Blake3HasherTests
{
    [Fact]
    public void each_schedule_row_is_the_previous_row_permuted()
    {
        var schedule = Blake3Core.Schedule;
        for (var round = 1; round < 7; round++)
        {
            for (var i = 0; i < 16; i++)
            {
                Assert.Equal(schedule[((round - 1) * 16) + Blake3Core.Permutation[i]], schedule[(round * 16) + i]);
            }
        }
    }

    [Fact]
    public void finalize_leaves_the_state_alone_so_it_can_repeat_and_input_can_continue()
    {
        var input = Blake3VectorTests.Input(5000);
        var hasher = Blake3Hasher.Create();
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
        var hasher = Blake3Hasher.Create();
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
        var hasher = Blake3Hasher.CreateKeyed(key);
        hasher.Update(Blake3VectorTests.Input(70_000));
        hasher.Reset();
        hasher.Update("x"u8);

        var fresh = Blake3Hasher.CreateKeyed(key);
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
        var hasher = Blake3Hasher.Create();
        hasher.Update(input.AsSpan(0, first));
        hasher.Update(input.AsSpan(first));
        Assert.Equal(Blake3Hasher.Hash(input), hasher.Finalize());

        var scalar = Blake3Hasher.Create(Blake3Backend.Scalar);
        scalar.Update(input);
        Assert.Equal(scalar.Finalize(), hasher.Finalize());
    }

    [Fact]
    public void random_sequences_of_boundary_sized_updates_match_the_scalar_one_shot_hash()
    {
        int[] sizes = [0, 1, 63, 64, 65, 1023, 1024, 1025, 2048, 3072, 4096, 65535, 65536, 65537, 131072];
        var random = new Random(1234);
        var data = new byte[600_000];
        random.NextBytes(data);
        for (var iteration = 0; iteration < 150; iteration++)
        {
            var backend = (Blake3Backend)(iteration % 4);
            var hasher = Blake3Hasher.Create(backend);
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

            var reference = Blake3Hasher.Create(Blake3Backend.Scalar);
            reference.Update(data.AsSpan(0, offset));
            var expected = new byte[64];
            reference.Finalize(expected);
            var actual = new byte[64];
            hasher.Finalize(actual);
            Assert.True(expected.AsSpan().SequenceEqual(actual), $"iteration {iteration}, {offset} bytes on {backend}");
        }
    }

    [Fact]
    public void a_key_of_the_wrong_length_is_refused()
    {
        Assert.Throws<ArgumentException>(() => Blake3Hasher.CreateKeyed(new byte[31]));
        Assert.Throws<ArgumentException>(() => Blake3Hasher.CreateKeyed(new byte[33]));
    }

    [Theory]
    [InlineData(nameof(Blake3Backend.Vector128))]
    [InlineData(nameof(Blake3Backend.Vector256))]
    [InlineData(nameof(Blake3Backend.Vector512))]
    public void vector_back_ends_agree_with_scalar_on_large_unaligned_inputs_fed_in_random_pieces(string backendName)
    {
        var backend = Enum.Parse<Blake3Backend>(backendName);
        var random = new Random(3);
        var data = new byte[(3 << 20) + 17];
        random.NextBytes(data);
        foreach (var length in new[] { data.Length, (1 << 20) + 1024, 65 * 1024, 64 * 1024, 63 * 1024 + 1 })
        {
            var reference = Blake3Hasher.Create(Blake3Backend.Scalar);
            reference.Update(data.AsSpan(0, length));
            var expected = new byte[100];
            reference.Finalize(expected);

            var hasher = Blake3Hasher.Create(backend);
            for (var offset = 0; offset < length;)
            {
                var piece = Math.Min(length - offset, random.Next(1, 300_000));
                hasher.Update(data.AsSpan(offset, piece));
                offset += piece;
            }

            var actual = new byte[100];
            hasher.Finalize(actual);
            Assert.Equal(expected, actual);
        }
    }

    [Fact]
    public void the_back_ends_are_chosen_from_the_hardware_preferring_256_bit_lanes_over_512()
    {
        var expected = System.Runtime.Intrinsics.X86.Avx512F.IsSupported && System.Runtime.Intrinsics.Vector512.IsHardwareAccelerated ? Blake3Backend.Vector512
            : System.Runtime.Intrinsics.X86.Avx2.IsSupported ? Blake3Backend.Vector256
            : System.Runtime.Intrinsics.Vector128.IsHardwareAccelerated ? Blake3Backend.Vector128
            : Blake3Backend.Scalar;
        Assert.Equal(expected, Blake3HashMany.Widest);
        Assert.Equal(expected == Blake3Backend.Vector512 ? Blake3Backend.Vector256 : expected, Blake3HashMany.Default);
    }
}
