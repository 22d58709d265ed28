/**
 * A windowed table: only the rows in view (plus a few either side) exist in the DOM, so 100,000 loaded
 * rows cost the same to render as 30. Rows have a fixed height; columns are a CSS grid template shared by
 * the header and every row. ARIA table semantics (role=table/row/cell, aria-rowcount, aria-rowindex) keep
 * it readable by screen readers; the keyboard moves an active row (↑ ↓ PgUp PgDn Home End) and Enter opens
 * it. `onEndReached` asks for the next page when the user scrolls near the end (cursor pagination).
 */
import { useCallback, useEffect, useId, useLayoutEffect, useRef, useState, type KeyboardEvent, type ReactNode } from 'react';

export interface Column<T> {
  key: string;
  header: string;
  /** CSS grid track, e.g. "minmax(8rem, 1fr)" or "7rem". */
  width: string;
  render(row: T): ReactNode;
  className?: string;
}

export interface VirtualTableProps<T> {
  label: string;
  rows: readonly T[];
  columns: readonly Column<T>[];
  rowKey(row: T): string;
  rowHeight?: number;
  /** Height of the scrolling area; default: fill the space down to the bottom of the window. */
  height?: number | 'fill';
  onOpen?(row: T): void;
  onEndReached?(): void;
  /** More rows exist on the server (for aria-rowcount, unknown total: -1). */
  hasMore?: boolean;
  empty?: ReactNode;
  testId?: string;
}

const OVERSCAN = 8;

export function VirtualTable<T>(props: VirtualTableProps<T>) {
  const { rows, columns, rowKey, rowHeight = 36, onOpen, onEndReached, hasMore = false } = props;
  const scroller = useRef<HTMLDivElement>(null);
  const [scrollTop, setScrollTop] = useState(0);
  const [viewport, setViewport] = useState(480);
  const [active, setActive] = useState(-1);
  const id = useId();
  const template = columns.map((c) => c.width).join(' ');

  // Size the viewport: a fixed height, or fill to the bottom of the window.
  useLayoutEffect(() => {
    const el = scroller.current;
    if (!el) return;
    const measure = () => {
      if (typeof props.height === 'number') setViewport(props.height);
      else setViewport(Math.max(240, window.innerHeight - el.getBoundingClientRect().top - 24));
    };
    measure();
    const ro = new ResizeObserver(measure);
    ro.observe(document.body);
    addEventListener('resize', measure);
    return () => {
      ro.disconnect();
      removeEventListener('resize', measure);
    };
  }, [props.height]);

  const first = Math.max(0, Math.floor(scrollTop / rowHeight) - OVERSCAN);
  const last = Math.min(rows.length, Math.ceil((scrollTop + viewport) / rowHeight) + OVERSCAN);

  useEffect(() => {
    if (hasMore && onEndReached && last >= rows.length - OVERSCAN * 2) onEndReached();
  }, [hasMore, onEndReached, last, rows.length]);

  const scrollToRow = useCallback((i: number) => {
    const el = scroller.current;
    if (!el) return;
    const top = i * rowHeight;
    if (top < el.scrollTop) el.scrollTop = top;
    else if (top + rowHeight > el.scrollTop + viewport - rowHeight) el.scrollTop = top + 2 * rowHeight - viewport;
  }, [rowHeight, viewport]);

  const onKeyDown = (e: KeyboardEvent<HTMLDivElement>) => {
    if (rows.length === 0) return;
    const page = Math.max(1, Math.floor(viewport / rowHeight) - 1);
    const moves: Record<string, number> = {
      ArrowDown: active + 1, ArrowUp: active - 1, PageDown: active + page, PageUp: active - page, Home: 0, End: rows.length - 1,
    };
    if (e.key in moves) {
      e.preventDefault();
      const next = Math.max(0, Math.min(rows.length - 1, moves[e.key]!));
      setActive(next);
      scrollToRow(next);
    } else if (e.key === 'Enter' && active >= 0 && onOpen) {
      e.preventDefault();
      onOpen(rows[active]!);
    }
  };

  const visible: ReactNode[] = [];
  for (let i = first; i < last; i++) {
    const row = rows[i]!;
    visible.push(
      <div
        key={rowKey(row)}
        id={`${id}-r${i}`}
        role="row"
        aria-rowindex={i + 2}
        aria-selected={i === active}
        className={'vt-row' + (i === active ? ' vt-active' : '') + (onOpen ? ' vt-clickable' : '')}
        style={{ transform: `translateY(${i * rowHeight}px)`, height: rowHeight, gridTemplateColumns: template }}
        onClick={(e) => {
          setActive(i);
          if (onOpen && !(e.target as HTMLElement).closest('a,button')) onOpen(row);
        }}
      >
        {columns.map((c) => (
          <div role="cell" key={c.key} className={'vt-cell ' + (c.className ?? '')}>{c.render(row)}</div>
        ))}
      </div>,
    );
  }

  return (
    <div className="vt" role="table" aria-label={props.label} aria-rowcount={hasMore ? -1 : rows.length + 1} data-testid={props.testId}>
      <div role="rowgroup" className="vt-head">
        <div role="row" aria-rowindex={1} className="vt-row vt-header" style={{ gridTemplateColumns: template }}>
          {columns.map((c) => (
            <div role="columnheader" key={c.key} className={'vt-cell ' + (c.className ?? '')}>{c.header}</div>
          ))}
        </div>
      </div>
      <div
        ref={scroller}
        role="rowgroup"
        className="vt-body"
        tabIndex={0}
        aria-activedescendant={active >= first && active < last ? `${id}-r${active}` : undefined}
        style={{ height: rows.length === 0 ? 'auto' : Math.min(viewport, rows.length * rowHeight + 2) }}
        onScroll={(e) => setScrollTop(e.currentTarget.scrollTop)}
        onKeyDown={onKeyDown}
      >
        {rows.length === 0 ? (
          <div className="vt-empty">{props.empty}</div>
        ) : (
          <div className="vt-spacer" style={{ height: rows.length * rowHeight }}>{visible}</div>
        )}
      </div>
    </div>
  );
}
