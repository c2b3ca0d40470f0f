import { useEffect, useRef, useState } from 'react';
import type { FeedSnapshot, InstallFeed } from '../run/install-feed.js';

/** Redraw period of the install screen: output arrives at any rate, the screen moves at this one. */
export const feedIntervalMs = 100;

/**
 * React's development build records a performance measure for every component render, and
 * Node keeps them all in its global timeline: ~30 a frame, ~0.5 KiB each, half a GiB for an
 * hour of install at this rate. Nothing here reads that timeline; a production build records
 * nothing, and this is then a call per frame.
 */
const dropRenderMeasures = () => performance.clearMeasures();

/**
 * The install screen's view of the feed: a snapshot every ~100 ms while the run goes on (the
 * spinner and clocks move with it), one last snapshot when it ends, nothing in between.
 */
export function useFeed(feed: InstallFeed | undefined, tailLines: number, intervalMs = feedIntervalMs): { snapshot: FeedSnapshot | undefined; tick: number } {
  const [view, setView] = useState<{ feed: InstallFeed | undefined; snapshot: FeedSnapshot | undefined; tick: number }>(() => ({
    feed,
    snapshot: feed?.snapshot(tailLines),
    tick: 0,
  }));
  const tail = useRef(tailLines);
  tail.current = tailLines;
  useEffect(() => {
    if (!feed) return;
    let tick = 0;
    const flush = () => {
      dropRenderMeasures();
      const snapshot = feed.snapshot(tail.current);
      setView({ feed, snapshot, tick: tick++ });
      if (snapshot.finished) clearInterval(timer);
    };
    const timer = setInterval(flush, intervalMs);
    flush();
    return () => clearInterval(timer);
  }, [feed, intervalMs]);
  // A resize changes how many lines fit: take them now rather than on the next tick.
  useEffect(() => {
    if (feed) setView((previous) => ({ feed, snapshot: feed.snapshot(tailLines), tick: previous.tick }));
  }, [feed, tailLines]);
  // A new feed (a retried run) is read at once: a frame of the old run's rows would be printed
  // into the new run's <Static>.
  if (view.feed !== feed) return { snapshot: feed?.snapshot(tailLines), tick: view.tick };
  return view;
}
