// Colours by role, and none at all under NO_COLOR (https://no-color.org: set and not empty).
// Ink's chalk does not read NO_COLOR, so every colour goes through here. Bold, dim and inverse
// are not colours and stay: the selection must remain visible.
import { createContext, useContext } from 'react';

export interface Theme {
  accent?: string;
  ok?: string;
  bad?: string;
  warn?: string;
  muted?: string;
  key?: string;
  noColor: boolean;
}

export const colorTheme: Theme = { accent: 'cyan', ok: 'green', bad: 'red', warn: 'yellow', muted: 'gray', key: 'magenta', noColor: false };
export const plainTheme: Theme = { noColor: true };

export const themeFor = (env: NodeJS.ProcessEnv): Theme => (env.NO_COLOR !== undefined && env.NO_COLOR !== '' ? plainTheme : colorTheme);

export const ThemeContext = createContext<Theme>(themeFor(process.env));

export const useTheme = (): Theme => useContext(ThemeContext);

export const glyphs = {
  ok: '✔',
  bad: '✖',
  pointer: '❯',
  on: '●',
  off: '○',
  star: '★',
  warn: '!',
  dot: '·',
  spinner: ['⠋', '⠙', '⠹', '⠸', '⠼', '⠴', '⠦', '⠧', '⠇', '⠏'],
} as const;
