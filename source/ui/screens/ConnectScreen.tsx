import { useCallback, useState } from 'react';
import { Box, Text } from 'ink';
import type { HostKeyInfo } from '../../core/ssh/host-identity.js';
import { formatTarget } from '../../core/ssh/target.js';
import { Footer, type KeyHint } from '../components/Footer.js';
import { Message } from '../components/Message.js';
import { Spinner } from '../components/Spinner.js';
import { TextField } from '../components/TextField.js';
import { useConnection } from '../hooks/use-connection.js';
import { useEscape, useKeys } from '../hooks/use-keys.js';
import { glyphs, useTheme } from '../theme.js';
import { useWizard } from '../wizard-context.js';

function KnownStatus({ info }: { info: HostKeyInfo }) {
  const theme = useTheme();
  if (info.image && info.known.status !== 'revoked')
    return (
      <Text color={theme.ok}>
        {glyphs.ok} verified: the key of the installer image {info.image.name} made on this laptop ({info.image.created.slice(0, 10)})
      </Text>
    );
  switch (info.known.status) {
    case 'known':
      return (
        <Text color={theme.ok}>
          {glyphs.ok} the same key as last time ({info.knownHostsFile})
        </Text>
      );
    case 'new':
      return <Text color={theme.muted}>first time this tool sees {info.knownHostsName}: compare the key with the console</Text>;
    case 'changed':
      return (
        <Text color={theme.warn}>
          {glyphs.warn} known_hosts has another key for {info.knownHostsName} ({info.known.knownFingerprints.join(', ')}). A rebooted installer makes a new key;
          compare with its console before you trust this one.
        </Text>
      );
    case 'revoked':
      return (
        <Text color={theme.bad}>
          {glyphs.bad} this key is marked @revoked in {info.knownHostsFile}
        </Text>
      );
  }
}

function HostKeyPanel({ info, rows, columns }: { info: HostKeyInfo; rows: number; columns: number }) {
  const theme = useTheme();
  const art = info.randomArt.split('\n');
  const showArt = rows >= art.length + 6 && columns >= 60;
  return (
    <Box flexDirection="column">
      <Text wrap="truncate-end">
        <Text color={theme.muted}>Host key </Text>
        {info.description} <Text bold>{info.fingerprint}</Text>
      </Text>
      <Text>
        <Text color={theme.muted}>Pairing </Text>
        <Text bold inverse>{` ${info.pairingCode} `}</Text>
        <Text color={theme.muted}> the first characters of the fingerprint</Text>
      </Text>
      <Box width={columns}>
        <KnownStatus info={info} />
      </Box>
      {showArt ? (
        <Box marginTop={1}>
          <Box flexDirection="column" marginRight={3}>
            {art.map((line, index) => (
              <Text key={index}>{line}</Text>
            ))}
          </Box>
          <Box flexDirection="column" width={Math.max(20, columns - 24)}>
            <Text>On the installer's console, run:</Text>
            <Text bold> {info.consoleCommand}</Text>
            <Text>It must print the same fingerprint and the same picture.</Text>
            <Text color={theme.muted}>Nothing has been sent to this machine yet.</Text>
          </Box>
        </Box>
      ) : (
        <Text color={theme.muted} wrap="truncate-end">
          Console check: {info.consoleCommand}
        </Text>
      )}
    </Box>
  );
}

export function ConnectScreen() {
  const { state, dispatch, finish, size, bodyRows } = useWizard();
  const theme = useTheme();
  const { phase, accept, retry } = useConnection();
  const [password, setPassword] = useState('');
  const where = formatTarget(state.target!);
  const name = state.candidate?.names[0];

  const cancelPassword = useCallback(() => {
    if (phase.kind === 'password') phase.answer(undefined);
    setPassword('');
  }, [phase]);
  useEscape(cancelPassword, phase.kind === 'password');

  useKeys((input, key) => {
    if (phase.kind === 'confirm' || phase.kind === 'ready') {
      if (input === 'y' || key.return) accept();
      if (input === 'n') dispatch({ type: 'back' });
    }
    if (phase.kind === 'failed') {
      if (input === 'r') retry();
      if (input === 'q') finish(phase.exitCode, `nixos-bootstrap: ${phase.message}`);
    }
  }, phase.kind !== 'password');

  const title = (
    <Text wrap="truncate-end">
      <Text bold>{phase.kind === 'ready' ? 'Connected to ' : 'Connect to '}</Text>
      <Text bold color={theme.accent}>
        {where}
      </Text>
      {name ? <Text color={theme.muted}> ({name})</Text> : null}
    </Text>
  );

  let body: React.ReactNode;
  let hints: KeyHint[] = [];
  switch (phase.kind) {
    case 'scanning':
      body = (
        <Text>
          <Spinner /> Reading the host key (no login yet)…
        </Text>
      );
      break;
    case 'confirm':
      body = (
        <>
          <HostKeyPanel info={phase.info} rows={bodyRows - 4} columns={size.columns} />
          <Text> </Text>
          <Text bold>Is this the installer you mean? Its key is pinned for the whole run.</Text>
        </>
      );
      hints = [
        ['y/Enter', 'trust and log in'],
        ['n/Esc', 'back'],
      ];
      break;
    case 'ready':
      body = (
        <>
          <Text color={theme.ok}>
            {glyphs.ok} Logged in; host key {phase.info.fingerprint} is pinned.
          </Text>
          <Text color={theme.muted}>Enter reads the disks again and goes on.</Text>
        </>
      );
      hints = [['Enter', 'continue']];
      break;
    case 'connecting':
    case 'password':
    case 'probing':
      body = (
        <>
          <Text color={theme.ok} wrap="truncate-end">
            {glyphs.ok} Host key {phase.info.fingerprint} accepted{state.preset.expectFingerprint ? ' (matches --expect-fingerprint)' : ''}
          </Text>
          {phase.kind === 'probing' ? (
            <>
              <Text color={theme.ok}>
                {glyphs.ok} Logged in ({phase.method})
              </Text>
              <Text>
                <Spinner /> Reading the installer's system, firmware and disks (read-only)…
              </Text>
            </>
          ) : phase.kind === 'password' ? (
            <Box flexDirection="column">
              <Text>The installer asks for root's password{phase.attempt > 1 ? ` (attempt ${phase.attempt}; the last one was wrong)` : ''}.</Text>
              <Text>
                <Text bold>Password: </Text>
                <TextField
                  value={password}
                  onChange={setPassword}
                  onSubmit={(value) => {
                    setPassword('');
                    phase.answer(value);
                  }}
                  focus
                  mask="•"
                />
              </Text>
              <Text color={theme.muted}>Set one on the installer with passwd, or add your key to root's authorized_keys.</Text>
            </Box>
          ) : (
            <Text>
              <Spinner /> Logging in (ssh-agent, your keys{state.preset.envPassword ? ', $SSH_PASS' : ''})…
            </Text>
          )}
        </>
      );
      hints =
        phase.kind === 'password'
          ? [
              ['Enter', 'log in'],
              ['Esc', 'cancel'],
            ]
          : [];
      break;
    case 'failed':
      body = (
        <>
          {phase.info ? <Text color={theme.muted}>Host key {phase.info.fingerprint}</Text> : null}
          <Message kind="error" title={phase.message} lines={phase.hint ? [phase.hint] : []} width={size.columns} />
        </>
      );
      hints = [
        ['r', 'try again'],
        ['q', 'quit'],
      ];
      break;
  }

  return (
    <Box flexDirection="column">
      <Box flexDirection="column" height={bodyRows} overflowY="hidden">
        {title}
        <Text> </Text>
        {body}
      </Box>
      <Footer hints={hints} />
    </Box>
  );
}
