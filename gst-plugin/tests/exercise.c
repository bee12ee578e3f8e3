/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * v4l2dmabuf-exercise: takes a v4l2dmabufsrc pipeline through what a player
 * does to it (flush, renegotiation to another size and back, pause, stop
 * and restart, EOS) and checks that frames keep coming after each step and
 * that nothing posts an error. Run it with GST_TRACERS=leaks to also catch
 * leaked buffers and memories.
 *
 *   v4l2dmabuf-exercise DEVICE IO-MODE CAPS1 CAPS2 SINK [FRAMES]
 *
 * e.g. v4l2dmabuf-exercise /dev/video0 export \
 *        video/x-raw,format=BGRx,width=640,height=480 \
 *        video/x-raw,format=BGRx,width=1280,height=720 \
 *        "kmssink driver-name=vkms force-modesetting=true" 30
 * Exit status: 0 success, 1 failure.
 */
#include <gst/gst.h>
#include <stdlib.h>
#include <string.h>

#define STEP_TIMEOUT (120 * GST_SECOND)

static gint frames_seen;
static GstElement *pipeline;

static GstPadProbeReturn
count_frame (GstPad * pad, GstPadProbeInfo * info, gpointer user_data)
{
  g_atomic_int_inc (&frames_seen);
  return GST_PAD_PROBE_OK;
}

/* Fails on an error message; returns once @want frames more went by, or
 * EOS came when @want is 0. */
static gboolean
wait_for (const gchar * step, gint want)
{
  GstBus *bus = gst_element_get_bus (pipeline);
  gint start = g_atomic_int_get (&frames_seen);
  GstClockTime waited = 0;
  gboolean ok = FALSE;

  g_print ("# %s\n", step);
  while (waited < STEP_TIMEOUT) {
    GstMessage *msg = gst_bus_timed_pop_filtered (bus, 100 * GST_MSECOND,
        GST_MESSAGE_ERROR | GST_MESSAGE_EOS);

    waited += 100 * GST_MSECOND;
    if (msg && GST_MESSAGE_TYPE (msg) == GST_MESSAGE_ERROR) {
      GError *err = NULL;
      gchar *debug = NULL;

      gst_message_parse_error (msg, &err, &debug);
      g_printerr ("FAIL: %s: error from %s: %s (%s)\n", step,
          GST_OBJECT_NAME (GST_MESSAGE_SRC (msg)), err->message,
          debug ? debug : "");
      g_clear_error (&err);
      g_free (debug);
      gst_message_unref (msg);
      goto out;
    }
    if (msg && GST_MESSAGE_TYPE (msg) == GST_MESSAGE_EOS) {
      gst_message_unref (msg);
      if (want == 0) {
        ok = TRUE;
        goto out;
      }
      g_printerr ("FAIL: %s: unexpected EOS\n", step);
      goto out;
    }
    if (want > 0 && g_atomic_int_get (&frames_seen) - start >= want) {
      ok = TRUE;
      goto out;
    }
  }
  g_printerr ("FAIL: %s: %d of %d frames within %" GST_TIME_FORMAT "\n",
      step, g_atomic_int_get (&frames_seen) - start, want,
      GST_TIME_ARGS (STEP_TIMEOUT));
out:
  gst_object_unref (bus);
  return ok;
}

static gboolean
set_state (GstState state)
{
  if (gst_element_set_state (pipeline, state) == GST_STATE_CHANGE_FAILURE) {
    g_printerr ("FAIL: cannot go to %s\n", gst_element_state_get_name (state));
    return FALSE;
  }
  /* Live pipelines answer NO_PREROLL; wait for the change to settle. */
  return gst_element_get_state (pipeline, NULL, NULL, 30 * GST_SECOND) !=
      GST_STATE_CHANGE_FAILURE;
}

static gboolean
expect_width (GstElement * filter, gint width)
{
  GstPad *pad = gst_element_get_static_pad (filter, "src");
  GstCaps *caps = gst_pad_get_current_caps (pad);
  gint got = 0;

  gst_object_unref (pad);
  if (caps) {
    gst_structure_get_int (gst_caps_get_structure (caps, 0), "width", &got);
    gst_caps_unref (caps);
  }
  if (got != width) {
    g_printerr ("FAIL: negotiated width %d, expected %d\n", got, width);
    return FALSE;
  }
  return TRUE;
}

static gint
caps_width (const gchar * caps_str)
{
  GstCaps *caps = gst_caps_from_string (caps_str);
  gint width = 0;

  if (caps && !gst_caps_is_empty (caps))
    gst_structure_get_int (gst_caps_get_structure (caps, 0), "width", &width);
  gst_clear_caps (&caps);
  return width;
}

int
main (int argc, char **argv)
{
  GstElement *src, *filter;
  GstCaps *caps1, *caps2;
  GstPad *pad;
  gchar *desc;
  gint n;
  gboolean ok;

  gst_init (&argc, &argv);
  if (argc < 6) {
    g_printerr ("usage: %s DEVICE IO-MODE CAPS1 CAPS2 SINK [FRAMES]\n",
        argv[0]);
    return 1;
  }
  n = argc > 6 ? atoi (argv[6]) : 30;
  caps1 = gst_caps_from_string (argv[3]);
  caps2 = gst_caps_from_string (argv[4]);
  if (!caps1 || !caps2) {
    g_printerr ("FAIL: bad caps\n");
    return 1;
  }

  desc = g_strdup_printf ("v4l2dmabufsrc name=src device=%s io-mode=%s ! "
      "capsfilter name=filter ! %s", argv[1], argv[2], argv[5]);
  pipeline = gst_parse_launch (desc, NULL);
  g_free (desc);
  if (!pipeline) {
    g_printerr ("FAIL: cannot build the pipeline\n");
    return 1;
  }
  src = gst_bin_get_by_name (GST_BIN (pipeline), "src");
  filter = gst_bin_get_by_name (GST_BIN (pipeline), "filter");
  g_object_set (filter, "caps", caps1, NULL);
  pad = gst_element_get_static_pad (filter, "src");
  gst_pad_add_probe (pad, GST_PAD_PROBE_TYPE_BUFFER, count_frame, NULL, NULL);
  gst_object_unref (pad);

  ok = set_state (GST_STATE_PLAYING) && wait_for ("play", n) &&
      expect_width (filter, caps_width (argv[3]));

  /* What a flushing seek does to a live source. */
  ok = ok && gst_element_send_event (src, gst_event_new_flush_start ()) &&
      gst_element_send_event (src, gst_event_new_flush_stop (TRUE)) &&
      wait_for ("flush", n);

  /* Renegotiation while streaming, to another size and back. */
  if (ok)
    g_object_set (filter, "caps", caps2, NULL);
  ok = ok && wait_for ("renegotiate", n) &&
      expect_width (filter, caps_width (argv[4]));
  if (ok)
    g_object_set (filter, "caps", caps1, NULL);
  ok = ok && wait_for ("renegotiate back", n) &&
      expect_width (filter, caps_width (argv[3]));

  /* Pause and resume, then stop (READY) and start again. */
  ok = ok && set_state (GST_STATE_PAUSED) && set_state (GST_STATE_PLAYING) &&
      wait_for ("pause and resume", n);
  ok = ok && set_state (GST_STATE_READY) && set_state (GST_STATE_PLAYING) &&
      wait_for ("stop and restart", n);

  /* EOS from the application, as gst-launch -e does. */
  ok = ok && gst_element_send_event (pipeline, gst_event_new_eos ()) &&
      wait_for ("eos", 0);

  gst_element_set_state (pipeline, GST_STATE_NULL);
  gst_object_unref (src);
  gst_object_unref (filter);
  gst_object_unref (pipeline);
  gst_caps_unref (caps1);
  gst_caps_unref (caps2);
  g_print ("# %d frames\n", g_atomic_int_get (&frames_seen));
  gst_deinit ();
  if (!ok)
    return 1;
  g_print ("# all steps passed\n");
  return 0;
}
