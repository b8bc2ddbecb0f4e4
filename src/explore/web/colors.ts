/** One colour per class label, the same in the treemap, the graph and the lists. */
import { scaleOrdinal } from 'd3-scale';
import { schemeTableau10 } from 'd3-scale-chromatic';

const scale = scaleOrdinal<string, string>(schemeTableau10);

/** The colour of a class label; placeholders for missing or corrupt blobs are grey or red. */
export function colorOf(label: string): string {
  if (label === '(missing)' || label === '(deleted during the scan)') return '#bbb';
  if (label === '(corrupt)' || label === '(unreadable)') return '#d62728';
  return scale(label);
}
