// A list the person moves through with ↑↓ (or j/k): ink-select-input moves the highlight and
// windows long lists; the rows and the pointer are ours (theme colours, NO_COLOR, tables).
//
// Two habits of SelectInput are tamed here rather than worked around in every screen:
// - keys read in one chunk (a busy event loop, tmux, a paste) all arrive before React renders
//   again, and its handler sees the state of its last render: its onSelect would report the row
//   an arrow in the same chunk just left. Enter is therefore the screen's (useKeys), acting on
//   the row SelectInput last reported through onHighlight (useHighlight keeps it in a ref, not
//   only in state); onSelect, and its 1-9 shortcuts on rows that show no numbers, stay unused.
// - a changed list (a host appearing) or window (a resize, a message above) snaps or strands
//   its highlight. The list is remounted then, on the row that was highlighted.
import { createContext, useCallback, useContext, useMemo, useRef, useState, type ReactNode } from 'react';
import { Box, Text } from 'ink';
import SelectInput, { type IndicatorProps, type ItemProps } from 'ink-select-input';
import { glyphs, useTheme } from '../theme.js';

export type RenderRow = (value: string, selected: boolean) => ReactNode;

const RowContext = createContext<RenderRow>(() => null);

/** SelectInput's item: the screen's row for this value (items carry the value as their label). */
function Row({ label, isSelected = false }: ItemProps) {
  const render = useContext(RowContext);
  return <>{render(label, isSelected)}</>;
}

/** Two cells: the pointer on the highlighted row, blank on the others. */
function Pointer({ isSelected = false }: IndicatorProps) {
  const theme = useTheme();
  return (
    <Box width={2} flexShrink={0}>
      <Text bold color={theme.accent}>
        {isSelected ? glyphs.pointer : ' '}
      </Text>
    </Box>
  );
}

export interface PickListProps {
  /** One distinct value per row, in order. */
  values: readonly string[];
  /** The highlighted row; the first one when absent or gone from `values`. */
  selected: string | undefined;
  /** Called with each row the highlight moves to. */
  onHighlight: (value: string) => void;
  /** Rows that fit on screen; longer lists scroll (SelectInput rotates them). */
  limit: number;
  focus: boolean;
  renderRow: RenderRow;
}

export function PickList({ values, selected, onHighlight, limit, focus, renderRow }: PickListProps) {
  const rows = Math.max(1, Math.min(limit, values.length));
  const instance = `${rows}\n${values.join('\n')}`;
  const current = useRef(instance);
  current.current = instance;
  const latest = useRef(onHighlight);
  latest.current = onHighlight;
  // eslint-disable-next-line react-hooks/exhaustive-deps -- `instance` is `values` (and the window) as one string
  const items = useMemo(() => values.map((value) => ({ key: value, label: value, value })), [instance]);
  // A list being replaced keeps its key listener until React runs the effects; a key it hears
  // then moved within the old rows (wrapping where the new list goes on), so it is dropped: the
  // highlight reported is always the one on screen.
  const highlight = useCallback(
    (item: { value: string } | undefined) => {
      if (item && current.current === instance) latest.current(item.value);
    },
    [instance],
  );
  if (values.length === 0) return null;
  const initialIndex = selected === undefined ? 0 : Math.max(0, values.indexOf(selected));
  return (
    <RowContext.Provider value={renderRow}>
      <SelectInput
        key={instance}
        items={items}
        initialIndex={initialIndex}
        limit={rows}
        isFocused={focus}
        indicatorComponent={Pointer}
        itemComponent={Row}
        onHighlight={highlight}
      />
    </RowContext.Provider>
  );
}

/**
 * The highlighted row of a PickList: `selected` for rendering, `current()` for key handlers (set
 * the moment SelectInput reports a move, so an Enter in the same chunk as the arrow sees it).
 */
export function useHighlight(initial: string | undefined) {
  const latest = useRef(initial);
  const [selected, setSelected] = useState(initial);
  const onHighlight = useCallback((value: string) => {
    latest.current = value;
    setSelected(value);
  }, []);
  const current = useCallback(() => latest.current, []);
  return { selected, onHighlight, current };
}
