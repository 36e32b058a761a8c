package io.poolkeeper.security;

import java.io.ByteArrayOutputStream;
import java.util.Arrays;
import java.util.Random;

/**
 * Ways to spoil a valid protobuf encoding, all from one seeded {@link Random}: flipped bytes and bits, truncation,
 * duplicated fields and whole messages, oversized strings, huge repeated fields, negative numbers and unknown enum
 * values, or random bytes altogether.
 */
final class Mutations {
    /** Larger than any member takes (PoolServer's 4 MiB): refused by gRPC itself. */
    private static final int TOO_BIG = (4 << 20) + 1024;

    private final Random random;

    Mutations(Random random) {
        this.random = random;
    }

    /** Random bytes, mostly short. */
    byte[] randomBytes() {
        byte[] bytes = new byte[random.nextInt(10) == 0 ? random.nextInt(4096) : random.nextInt(64)];
        random.nextBytes(bytes);
        return bytes;
    }

    /** {@code valid} spoiled in one to three ways. */
    byte[] mutate(byte[] valid) {
        byte[] out = valid;
        int rounds = 1 + random.nextInt(3);
        for (int i = 0; i < rounds; i++) {
            out = once(out);
        }
        return out;
    }

    private byte[] once(byte[] in) {
        int draw = random.nextInt(100);
        if (in.length == 0 || draw < 25) {
            return append(in, field(1 + random.nextInt(12)));
        }
        byte[] out = in.clone();
        if (draw < 45) {
            out[random.nextInt(out.length)] = (byte) random.nextInt(256);
            return out;
        }
        if (draw < 55) {
            out[random.nextInt(out.length)] ^= (byte) (1 << random.nextInt(8));
            return out;
        }
        if (draw < 65) {
            return Arrays.copyOf(in, random.nextInt(in.length));
        }
        if (draw < 72) {
            // Protobuf merges a message written twice: every singular field set twice, repeated ones doubled.
            return append(in, in);
        }
        if (draw < 80) {
            int from = random.nextInt(in.length);
            int to = from + random.nextInt(in.length - from) + 1;
            return append(in, Arrays.copyOfRange(in, from, to));
        }
        if (draw < 90) {
            return append(in, repeated(in));
        }
        return append(in, oversizedString());
    }

    /** A field of random number and kind: a negative or huge varint (an unknown enum value), a string, bytes. */
    private byte[] field(int number) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        switch (random.nextInt(4)) {
            case 0 -> {
                varint(out, (long) number << 3);
                varint(out, -1L - random.nextInt(1000)); // negative: ten bytes
            }
            case 1 -> {
                varint(out, (long) number << 3);
                varint(out, random.nextBoolean() ? 999 : Long.MAX_VALUE); // no enum has it; absurd as a number
            }
            case 2 -> {
                byte[] text = new byte[random.nextInt(300)];
                random.nextBytes(text);
                varint(out, ((long) number << 3) | 2);
                varint(out, text.length);
                out.writeBytes(text);
            }
            default -> {
                varint(out, ((long) number << 3) | random.nextInt(8)); // any wire type, 6 and 7 invalid
                out.writeBytes(randomBytes());
            }
        }
        return out.toByteArray();
    }

    /** A slice of the message many times over: a huge repeated field (or map) when the slice is one field. */
    private byte[] repeated(byte[] in) {
        int from = random.nextInt(in.length);
        int to = Math.min(in.length, from + 1 + random.nextInt(64));
        byte[] slice = Arrays.copyOfRange(in, from, to);
        int times = random.nextInt(100) == 0 ? 20_000 : 1 + random.nextInt(random.nextInt(10) == 0 ? 1_000 : 20);
        ByteArrayOutputStream out = new ByteArrayOutputStream(slice.length * times);
        for (int i = 0; i < times; i++) {
            out.writeBytes(slice);
        }
        return out.toByteArray();
    }

    /** A string field (number 1 to 6) far over any limit; rarely over the message size a member takes. */
    private byte[] oversizedString() {
        int size =
                random.nextInt(1_000) == 0 ? TOO_BIG : 1_000 + random.nextInt(random.nextInt(20) == 0 ? 70_000 : 3_000);
        ByteArrayOutputStream out = new ByteArrayOutputStream(size + 16);
        varint(out, ((long) (1 + random.nextInt(6)) << 3) | 2);
        varint(out, size);
        byte[] text = new byte[size];
        Arrays.fill(text, (byte) ('a' + random.nextInt(26)));
        out.writeBytes(text);
        return out.toByteArray();
    }

    private static byte[] append(byte[] a, byte[] b) {
        byte[] out = Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, out, a.length, b.length);
        return out;
    }

    private static void varint(ByteArrayOutputStream out, long value) {
        long v = value;
        while ((v & ~0x7FL) != 0) {
            out.write((int) ((v & 0x7F) | 0x80));
            v >>>= 7;
        }
        out.write((int) v);
    }
}
