// Drives a BigBlueButton server with npm's bigbluebutton-js, a client written apart from
// the portal's, and prints what it saw as JSON: the fake must satisfy it as a real
// server would. Usage: node check.cjs <server root, e.g. http://127.0.0.1:8904/bigbluebutton> <secret>
'use strict'

const axios = require('axios')
const bbb = require('bigbluebutton-js')

async function main() {
  const [root, secret] = process.argv.slice(2)
  const api = bbb.api(root, secret)
  const http = bbb.http
  const id = 'js-check-' + Date.now()
  const seen = {}

  seen.create = await http(
    api.administration.create('Quarterly review & plans', id, {
      attendeePW: 'ap-secret',
      moderatorPW: 'mp-secret',
      record: true,
    }),
  )
  seen.createAgain = await http(
    api.administration.create('Quarterly review & plans', id, {
      attendeePW: 'ap-secret',
      moderatorPW: 'mp-secret',
    }),
  )
  seen.runningBefore = await http(api.monitoring.isMeetingRunning(id))

  const joins = {}
  for (const [who, password] of [['Mona Moderator', 'mp-secret'], ['Ada Attendee', 'ap-secret']]) {
    const answer = await axios.get(api.administration.join(who, id, password), {
      maxRedirects: 0,
      validateStatus: () => true,
    })
    joins[who] = { status: answer.status, location: answer.headers.location || '' }
  }
  seen.joins = joins
  seen.badJoin = await http(api.administration.join('Eve', id, 'wrong-password', { redirect: 'false' }))
  seen.running = await http(api.monitoring.isMeetingRunning(id))
  seen.info = await http(api.monitoring.getMeetingInfo(id))
  seen.end = await http(api.administration.end(id, 'mp-secret'))
  seen.runningAfter = await http(api.monitoring.isMeetingRunning(id))
  seen.infoAfter = await http(api.monitoring.getMeetingInfo(id))
  seen.recordings = await http(api.recording.getRecordings({ meetingID: id }))
  seen.wrongSecret = await http(bbb.api(root, secret + 'x').monitoring.isMeetingRunning(id))
  seen.id = id
  process.stdout.write(JSON.stringify(seen))
}

main().catch((error) => {
  process.stderr.write(String(error && error.stack ? error.stack : error))
  process.exit(1)
})
