package dev.gvsim.viewer;

import static org.lwjgl.glfw.GLFW.*;
import static org.lwjgl.opengl.GL11.*;
import static org.lwjgl.opengl.GL12.GL_BGRA;
import static org.lwjgl.opengl.GL12.GL_UNSIGNED_INT_8_8_8_8_REV;
import static org.lwjgl.opengl.GL14.glWindowPos2i;
import static org.lwjgl.opengl.GL30.*;
import static org.lwjgl.system.MemoryUtil.NULL;

import java.awt.image.BufferedImage;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.IntBuffer;

import org.lwjgl.glfw.GLFWErrorCallback;
import org.lwjgl.opengl.GL;

/**
 * The render thread of {@code gvsim view}: one GLFW window (OpenGL through LWJGL) that shows every
 * output's latest frame side by side, left to right in slot order, 1:1 (each drawn with
 * {@code glDrawPixels} of its 0xRRGGBB pixels as BGRA), and turns keys into {@link ViewerControl}
 * calls. It never waits for the simulation: it wakes 60 times a second, takes whatever frames are
 * ready ({@link FrameExchange#drain}) and redraws if any came.
 *
 * <p>{@link #capture}: the same draw call into an offscreen framebuffer of the output's size, read
 * back with {@code glReadPixels}: what the screen was given, independent of window placement.
 */
public final class GlScreen implements AutoCloseable {
    /** Slots a window can show (outputs of all devices together). */
    public static final int MAX_SLOTS = 64;

    private final long window;
    private final ViewerControl control;
    private final StringBuilder glfwErrors = new StringBuilder();
    private final GLFWErrorCallback errorCallback;
    private IntBuffer upload = ByteBuffer.allocateDirect(4).order(ByteOrder.nativeOrder()).asIntBuffer();
    private int windowW = 0;
    private int windowH = 0;

    /**
     * Opens the window.
     *
     * @throws IllegalStateException with the reason (GLFW's own words) when there is no display or
     *         no OpenGL
     */
    public GlScreen(String title, ViewerControl control) {
        this.control = control;
        this.errorCallback = GLFWErrorCallback.create((code, desc) -> {
            synchronized (glfwErrors) {
                glfwErrors.append(glfwErrors.length() == 0 ? "" : "; ").append(GLFWErrorCallback.getDescription(desc));
            }
        });
        glfwSetErrorCallback(errorCallback);
        if (!glfwInit()) {
            String why = errors();
            close0(NULL);
            throw new IllegalStateException("cannot open a window: GLFW could not initialise (" + (why.isEmpty() ? "no reason given" : why)
                    + "); 'gvsim view' needs a display (DISPLAY=" + System.getenv("DISPLAY") + ")");
        }
        glfwDefaultWindowHints();
        glfwWindowHint(GLFW_VISIBLE, GLFW_TRUE);
        glfwWindowHint(GLFW_RESIZABLE, GLFW_TRUE);
        long w = glfwCreateWindow(320, 240, title, NULL, NULL);
        if (w == NULL) {
            String why = errors();
            close0(NULL);
            throw new IllegalStateException("cannot open a window: " + (why.isEmpty() ? "glfwCreateWindow failed" : why));
        }
        this.window = w;
        glfwMakeContextCurrent(window);
        GL.createCapabilities();
        glfwSwapInterval(0);
        glfwSetKeyCallback(window, (win, key, scancode, action, mods) -> {
            if (action != GLFW_PRESS && action != GLFW_REPEAT) {
                return;
            }
            ViewerControl.Key k = keyOf(key);
            if (k != null) {
                control.key(k);
            }
        });
        glfwSetWindowCloseCallback(window, win -> control.quit());
    }

    /** GLFW key code to a viewer key, or null: SPACE, N/RIGHT, +/=/KP_ADD, -/KP_SUBTRACT, Q/ESC. */
    static ViewerControl.Key keyOf(int glfwKey) {
        return switch (glfwKey) {
            case GLFW_KEY_SPACE, GLFW_KEY_P -> ViewerControl.Key.PAUSE;
            case GLFW_KEY_N, GLFW_KEY_RIGHT, GLFW_KEY_PERIOD -> ViewerControl.Key.STEP;
            case GLFW_KEY_EQUAL, GLFW_KEY_KP_ADD, GLFW_KEY_UP -> ViewerControl.Key.FASTER;
            case GLFW_KEY_MINUS, GLFW_KEY_KP_SUBTRACT, GLFW_KEY_DOWN -> ViewerControl.Key.SLOWER;
            case GLFW_KEY_Q, GLFW_KEY_ESCAPE -> ViewerControl.Key.QUIT;
            default -> null;
        };
    }

    private String errors() {
        synchronized (glfwErrors) {
            return glfwErrors.toString();
        }
    }

    /** Processes window events for up to {@code seconds}; false once the window should close. */
    public boolean pollEvents(double seconds) {
        glfwWaitEventsTimeout(seconds);
        return !glfwWindowShouldClose(window) && !control.quitting();
    }

    public void setTitle(String title) {
        glfwSetWindowTitle(window, title);
    }

    /** Draws the frames side by side (the window follows their total size) and shows them. */
    public void draw(Frame[] slots, int count) {
        int totalW = 0;
        int maxH = 0;
        for (int i = 0; i < count; i++) {
            if (slots[i] != null) {
                totalW += slots[i].width;
                maxH = Math.max(maxH, slots[i].height);
            }
        }
        totalW = Math.max(totalW, 160);
        maxH = Math.max(maxH, 120);
        if (totalW != windowW || maxH != windowH) {
            glfwSetWindowSize(window, totalW, maxH);
            windowW = totalW;
            windowH = maxH;
        }
        int[] fw = new int[1];
        int[] fh = new int[1];
        glfwGetFramebufferSize(window, fw, fh);
        glViewport(0, 0, fw[0], fh[0]);
        glClearColor(0.1f, 0.1f, 0.1f, 1f);
        glClear(GL_COLOR_BUFFER_BIT);
        int x = 0;
        for (int i = 0; i < count; i++) {
            Frame f = slots[i];
            if (f == null) {
                continue;
            }
            drawAt(f, x, fh[0]);
            x += f.width;
        }
        glfwSwapBuffers(window);
    }

    /** One frame with its top-left corner at window pixel (x, top), rows going down. */
    private void drawAt(Frame f, int x, int top) {
        if (f.width == 0 || f.height == 0) {
            return;
        }
        int n = f.width * f.height;
        if (upload.capacity() < n) {
            upload = ByteBuffer.allocateDirect(n * 4).order(ByteOrder.nativeOrder()).asIntBuffer();
        }
        upload.clear();
        upload.put(f.pixels, 0, n).flip();
        glPixelStorei(GL_UNPACK_ALIGNMENT, 4);
        glPixelStorei(GL_UNPACK_ROW_LENGTH, 0);
        glPixelZoom(1f, -1f);
        glWindowPos2i(x, top);
        // 0xRRGGBB ints: as 8_8_8_8_REV the top byte is alpha (0, unused), then R, G, B
        glDrawPixels(f.width, f.height, GL_BGRA, GL_UNSIGNED_INT_8_8_8_8_REV, upload);
    }

    /**
     * Draws {@code f} into an offscreen framebuffer of its size with the same call the window uses
     * and reads it back (glReadPixels) as an RGB image.
     */
    public BufferedImage capture(Frame f) {
        if (f.width == 0 || f.height == 0) {
            throw new IllegalStateException("the output '" + f.source + "' shows nothing (no active scanout) at the end of the trace");
        }
        int fbo = glGenFramebuffers();
        int rb = glGenRenderbuffers();
        try {
            glBindRenderbuffer(GL_RENDERBUFFER, rb);
            glRenderbufferStorage(GL_RENDERBUFFER, GL_RGBA8, f.width, f.height);
            glBindFramebuffer(GL_FRAMEBUFFER, fbo);
            glFramebufferRenderbuffer(GL_FRAMEBUFFER, GL_COLOR_ATTACHMENT0, GL_RENDERBUFFER, rb);
            int status = glCheckFramebufferStatus(GL_FRAMEBUFFER);
            if (status != GL_FRAMEBUFFER_COMPLETE) {
                throw new IllegalStateException(String.format("offscreen framebuffer incomplete (0x%x)", status));
            }
            glViewport(0, 0, f.width, f.height);
            glClearColor(1f, 0f, 1f, 1f); // magenta: a pixel the draw missed shows in the comparison
            glClear(GL_COLOR_BUFFER_BIT);
            drawAt(f, 0, f.height);
            glFinish();
            IntBuffer back = ByteBuffer.allocateDirect(f.width * f.height * 4).order(ByteOrder.nativeOrder()).asIntBuffer();
            glPixelStorei(GL_PACK_ALIGNMENT, 4);
            glReadPixels(0, 0, f.width, f.height, GL_BGRA, GL_UNSIGNED_INT_8_8_8_8_REV, back);
            BufferedImage img = new BufferedImage(f.width, f.height, BufferedImage.TYPE_INT_RGB);
            int[] line = new int[f.width];
            for (int y = 0; y < f.height; y++) {
                back.position((f.height - 1 - y) * f.width); // GL rows are bottom-up
                back.get(line, 0, f.width);
                for (int i = 0; i < line.length; i++) {
                    line[i] &= 0xffffff;
                }
                img.setRGB(0, y, f.width, 1, line, 0, f.width);
            }
            int err = glGetError();
            if (err != GL_NO_ERROR) {
                throw new IllegalStateException(String.format("OpenGL error 0x%x while capturing", err));
            }
            return img;
        } finally {
            glBindFramebuffer(GL_FRAMEBUFFER, 0);
            glDeleteRenderbuffers(rb);
            glDeleteFramebuffers(fbo);
        }
    }

    /** The renderer OpenGL reports (e.g. Mesa's llvmpipe), for the log. */
    public String renderer() {
        return glGetString(GL_RENDERER) + " / OpenGL " + glGetString(GL_VERSION);
    }

    @Override
    public void close() {
        close0(window);
    }

    private void close0(long w) {
        if (w != NULL) {
            glfwDestroyWindow(w);
        }
        glfwTerminate();
        glfwSetErrorCallback(null);
        errorCallback.free();
    }
}
