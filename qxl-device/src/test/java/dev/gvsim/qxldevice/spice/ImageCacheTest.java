package dev.gvsim.qxldevice.spice;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** The content-hash image cache: hits, misses, least-recently-used eviction, size-sensitive keys. */
class ImageCacheTest {
    @Test
    void aRepeatedImageHitsAndAnotherMisses() {
        ImageCache c = new ImageCache(1 << 20);
        int[] a = {1, 2, 3, 4};
        int[] b = {1, 2, 3, 5};
        long ka = ImageCache.hash(a, 2, 2);
        assertThat(c.lookup(ka)).isFalse();
        assertThat(c.insert(ka, 16)).isTrue();
        assertThat(c.lookup(ImageCache.hash(a.clone(), 2, 2))).isTrue();
        assertThat(c.lookup(ImageCache.hash(b, 2, 2))).isFalse();
        assertThat(c.lookups()).isEqualTo(3);
        assertThat(c.hits()).isEqualTo(1);
    }

    @Test
    void theSamePixelsInAnotherShapeAreAnotherImage() {
        int[] px = {1, 2, 3, 4, 5, 6, 7, 8};
        assertThat(ImageCache.hash(px, 2, 4)).isNotEqualTo(ImageCache.hash(px, 4, 2));
    }

    @Test
    void theLeastRecentlyUsedImageIsEvictedWhenFull() {
        ImageCache c = new ImageCache(300);
        c.insert(1, 100);
        c.insert(2, 100);
        c.insert(3, 100);
        assertThat(c.lookup(1)).isTrue(); // 1 is now the most recent; 2 the least
        c.insert(4, 100);
        assertThat(c.evictions()).isEqualTo(1);
        assertThat(c.lookup(2)).isFalse();
        assertThat(c.lookup(1)).isTrue();
        assertThat(c.lookup(4)).isTrue();
        assertThat(c.heldBytes()).isEqualTo(300);
    }

    @Test
    void anImageLargerThanTheCacheIsNotKept() {
        ImageCache c = new ImageCache(100);
        assertThat(c.insert(9, 101)).isFalse();
        assertThat(c.lookup(9)).isFalse();
        assertThat(c.size()).isZero();
        ImageCache none = new ImageCache(0);
        assertThat(none.insert(1, 1)).isFalse();
    }
}
