package dev.gvsim.simcli.util;

import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.util.concurrent.atomic.AtomicLong;

/** Counts the bytes read through it, readable from another thread (a progress line's). */
public final class CountingInputStream extends FilterInputStream {
    private final AtomicLong count = new AtomicLong();

    public CountingInputStream(InputStream in) {
        super(in);
    }

    public long count() {
        return count.get();
    }

    @Override
    public int read() throws IOException {
        int b = super.read();
        if (b >= 0) {
            count.incrementAndGet();
        }
        return b;
    }

    @Override
    public int read(byte[] buf, int off, int len) throws IOException {
        int n = super.read(buf, off, len);
        if (n > 0) {
            count.addAndGet(n);
        }
        return n;
    }

    @Override
    public long skip(long n) throws IOException {
        long k = super.skip(n);
        if (k > 0) {
            count.addAndGet(k);
        }
        return k;
    }
}
