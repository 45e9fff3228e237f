// A /thanks bot on Bolt for JavaScript, the official Slack SDK, doing the same work as
// Brigade's /thanks on the hot path: parse mentions, refuse self-thanks, count, post publicly,
// answer privately. It is a yardstick for bench/slack_load, not a product: counts live in memory.
'use strict';

const { App, LogLevel, SocketModeReceiver } = require('@slack/bolt');

const apiUrl = process.env.SLACK_API_URL || 'https://slack.com/api/';
const clientOptions = { slackApiUrl: apiUrl };

// Socket Mode's own apps.connections.open call goes through the receiver's client options.
const receiver = new SocketModeReceiver({
  appToken: process.env.SLACK_APP_TOKEN,
  logLevel: LogLevel.WARN,
  installerOptions: { clientOptions },
});

const app = new App({
  token: process.env.SLACK_BOT_TOKEN,
  receiver,
  clientOptions,
  logLevel: LogLevel.WARN,
});

const received = new Map();
const mention = /<@([UW][A-Z0-9]+)(?:\|[^>]*)?>/g;

app.command('/thanks', async ({ command, ack, client, logger }) => {
  await ack();
  const giver = command.user_id;
  const recipients = [];
  let rest = command.text || '';
  for (;;) {
    const m = /^\s*<@([UW][A-Z0-9]+)(?:\|[^>]*)?>/.exec(rest);
    if (!m) break;
    if (!recipients.includes(m[1])) recipients.push(m[1]);
    rest = rest.slice(m[0].length);
  }
  const reason = rest.replace(mention, '').trim();
  try {
    if (recipients.length === 0 || recipients.includes(giver)) {
      await client.chat.postEphemeral({
        channel: command.channel_id,
        user: giver,
        text: recipients.length === 0 ? 'Who would you like to thank? Mention them: /thanks @name for …'
                                      : "You can't thank yourself — but thanks for the enthusiasm!",
      });
      return;
    }
    const tallies = recipients.map((r) => {
      const n = (received.get(r) || 0) + 1;
      received.set(r, n);
      return `<@${r}> (${n})`;
    });
    await client.chat.postMessage({
      channel: command.channel_id,
      text: `🙌 <@${giver}> thanked ${tallies.join(', ')}${reason ? ` ${reason}` : ''}`,
    });
    await client.chat.postEphemeral({
      channel: command.channel_id,
      user: giver,
      text: `Thanks sent to ${recipients.length} ${recipients.length === 1 ? 'person' : 'people'}.`,
    });
  } catch (e) {
    logger.error(`reply failed: ${e.message}`);
  }
});

async function main() {
  await app.start();
  process.stdout.write('peer ready\n');
}

async function shutdown() {
  try {
    await app.stop();
  } finally {
    process.exit(0);
  }
}
process.on('SIGTERM', shutdown);
process.on('SIGINT', shutdown);

main().catch((e) => {
  process.stderr.write(`peer failed to start: ${e.message}\n`);
  process.exit(1);
});
