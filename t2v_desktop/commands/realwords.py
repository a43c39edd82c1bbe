"""Common English words that are one or two letters away from a word the parser knows.

The typo fixer (typos.py) never touches these: "tighter" is not a typo of "lighter", "skies" not
one of "sides". Generated from the English frequency list of pyspellchecker (words seen 100+ times)
by ``python -m t2v_desktop.commands.realwords path/to/en.json.gz > realwords.py``; regenerate it
when the vocabulary grows (tests/test_parser_typos.py checks every phrasing word is left alone).
"""

import sys

REAL_WORDS = frozenset("""
accelerant accelerated accelerates accelerator accounted accounts adjusted adjuster adjusts aesthetics
aggressive ahmad alarms alter amply anaesthetic anesthetic anesthetics antic apathetic apple appointments
aptly arise aspects auction auctions audit backboard backhand backs backwash backwoods backyard backyards
bait balanced balances barbs bards bares barfly barks barley barns basics basil basin basis bauer bears
beast began beginnings begins begun beings bering beset bests bets blacks blank blest blight blighted
blighter blighters block blockbusters blues blurb blurring blurs blurt blurted blush boars boast boosts
boots bottomed bottoms bras breakfasts brightened brightens brightest brightly brighton bring bumps bumpy
burry calder calendars calla calls cameras canceled cancels cancer canst canter caste casts cats centered
centers chance chances chang changed changer changers channels charge chargers charges chips choosing
christen clank claps clashing clasping classical classics classier classify cleans clears cleat cloaking
clocking clod clogging clomping cloning clothing clotting clouding cloudless clover clowning cloying coast
coded coder codes codex coed coffees coffer colds collection collider colon coloreds coloring colorist
coloured comer commanded commander commanders commando commandos commend commendation commends comments
communed communes compensating compensations compete competed competes completed completes complexes concert
concerto concerts condensation confection congrats connection considerable contours contract contracts
contrary contras contrasted contrasting contrasts convection convent convents converge converse converted
converter converts cooker cooled coolers cools cooper corp correcting correctional corrections corrective
correlation corruption counted countered counters countess counties couplets courtier coven covers covert
coves covet cower cowhands crack crane cranks cranky crimp crisps crispy crops crossing cubed cubes dad
daring darkened darkens darky darren dawns deceased decreases decrees degenerate degrades degrading degree
delegate deleted deletes delousing denise deplete depleted deposing depressed derail derailed derails
despising detached detain detained detainee devising diffusing dilation dimes dimmed diner dinners disabled
disables disabuse diver doable documented documents dogmatic donation donner doubled doubles doublet doubly
dovetail downloaded downloads downside downsides downsized downstage downstate downtime downy drafts drafty
drains dramatics dramatize drastically drawn draws drift droop drops drown drowns duping edict edicts edith
effected eighteenth eighth eighties eights eleventh eliminated eliminates emails emery emits encoding
endings endowing enduring enhanced enhancer enhancers enhances enlarged entice entirety entrance erased
eraser erases essays evens event exhort exits expert exported exporter exports exposures extort extras
extremes extremity faced fades faked falter falters famed fared farming farther fasted fasten fasts fated
fats fatten fatter faxed fazed feast feeding feedings feeds feelings felling fells fester ficus fides
fielding fiendish fifteenth fighters filed filet filets filler fills filly films filmy filtered filth
filthier finale finality finals fines finished finishes finnish fires firsts fiscally fitter fiver fives
fixes flame flames flaming flamingo flattened flattens flattered flatters flattery fleecing fleeting flicked
flickered flicking flies flippers flips flour flutter flutters fluttery foaming fodder folded folders
follower followers folly fonder footy foraging foray forewarn form formal forte forts forwarded forwards
foster foully fours fourteenth fra framed framers fraying freaking freed freezer freezers freezes freezing
frieze frill fritters fro frontage fronts frost froth fueling fuelling fuels furthered furthest gains gammy
gardener gary gavin gemma generalize generate generating generation gentle gentry given giver gives glade
goading grabbing grace gracing graded grader grades gradient grads grady grafting grail grains granny
granting grape graphing grasping grassing grate gratin grating grave gravy graying grays graze grazing
greasing greed greedier greek greene greenery greenest greens greer greet greeter greys grinding groaning
groin grudging guarding gyrating halve haven haves heady heartily heave heavenly highs hither holds holed
homeward horus housework imaged images immensely immensity incense incensed increases inert inertial
inferences influence ingenuity inherent initialed initially initials initiate insect inserted inserts
installed installer installs instill instills integrity intended intensify intensive intensively intently
interact intercept intercut interest interject interment internal interned internist internment interpret
interred intersect inversely invert invoices jakes jitters joked joker jokers jokey jones joust juts kills
kinda kindle kinds kingly krill lamest landscapes lapsed lapses lashing lashings lasts latent later lather
lats latte lattes laughter launch least lefts lefty lengthen lengths lengthy lest letter levee levees lever
levers lewdness lighted lightened lightens lighters lightest lighting lights liked liken likes linger
listing listings litter littler littlest loader loads locking locks lockup lodger lofts logger loner longed
looming looms loons looping loops loose looting loser loses lost lotus louse louts lover lowers lurch
lusting lynch mails mains maker makes masks massage massaged massages mated maude meade meddle meetings
melting mesdames messaged meted minas minds mines minks mints minuet minus minutiae mirrors models modem
modes moist monde moneys monkey monty mooney moore mopey morel mores morphs morse mosey motel motioned
motions mots moved mover moves movies moxie muddle mulch munch mused mutes ned needs needy nightlife nights
nighty nines nineteenth nineties noises noose normality normative norse nostalgia numbed numbered numbers
odder okays older ont openings operatic operating operational operative operatives operator operators
oranges orders originally originals originate ounce outwards overalls overexposed overhaul overkill overs
oversell overt pains paints palace pap parse passport passwords paunch paused pauses pavement payback paying
payments peace peeper peppered peppers petty phoned phones phoney phony piazza picker pictured pictures
pincer pinch pinko pinks pinky pizzas placed places placing plaguing plane planing planking planning
planting plate plating playa playbook plays plaything pleading pleas pleased pleases pleasing pleasure plugs
plump plums plush plying point popper portraits portrays posit posts pots praying precious prettily
previewed previews previously print programed programs projected projector projects prone prospect protect
protects pulls pumps puncher punching puncture purchased purchaser purchases pus pushy quack qualify
quantity quartered quarterly quarters quartet quicken quickens quickest quiet quieted quieten quietest quirk
quits quitter quitters quote radio radios radium rae raised raiser raises rally randomly ransom ration
ratios reaction reader reals realty rebel rebels recant recently recessed redacted redaction reduces
reductions reductive reeds reeducation reefs reeks referred reformed reformer regent rehearse rehearsed
reilly reindeer reindeers rejection relation released relent remainder remanded remind reminded remote
removed remover removes rendered renders renter repel repels repent replaced replaces replayed resale resect
resection resent reserved resets resettle reside resolutions reticent retry revealed revel revelled revels
revenged reverb revere revered reverend reverent reveres reverie reversal reverses reverted reverts
revolution revolutions rewinds riches richter rights riverbed rocks rocky rolls rotated rotates rotating
rotational rotations rounding rudder ruining saddling salts salty salutation sandwiched sandwiches sapling
saplings satiated scald scaled scales scalp scaly scape scare scarfing scarring scatting scenes scent
schooled schools scone scots scratched scratcher scratches scratchy scrip scuff seams seconded secondly
sects seeds seedy seeks seeps seers seize semen sentence sequenced sequencer sequences serenity sevens
seventeenth seventh seventies sever severity sewed sexed shacking shade shading shady shaft shafting
shagging shaken shaker shakes shale shall shalt shame shaming shane shape shaping shard shared shares
sharing shark sharking sharpened sharpener sharpens sharpest sharps shave shaving shavings shearing shifts
shifty shill shire shirking shirt shirts shits shocking shoes shoot shooter shooters shoots shops shore
shores short shorted shorten shortens shortest shorties shorting shortness shorty shoulder shouldst shout
shouts shower shown shows showy shrank shriek shrine shrinks shrunk shuck shucking shuts sided sides
sidewalk sidewalks sidle sight significant silenced silencer silencers silences silently singe situated
situation sixpence sixteenth sixth sized sizes skill skirting skylight slacking slake slanting sleight slide
slighted slights slots slowed slows smacking smalls smart smarting smartness smell smidgen smooch smoothed
smoother smoothes smoothie smoothly smudge snacking snake snaking snaky snare snarling sneaking snide snitch
snort snorting snorts snots snuck snuff soaking softened softener softens softy sol sooth sorta sorter sorts
sounds spake spanking spare sparking sparring speaking specs speeds speedy spend spewed spied spill sport
sporting sports spots spreadsheets sprightly spurting squared squarely squares squire stabbing stability
stabilized stabilizer stabilizers stabilizes stacking staff staffing staining stake staking stale stalking
stall stalling stamping standing stapling stare staring stark starling starlings starring stars startling
starts starving stashing stating ste stead steadied steadies steadiest steadily steamy steed steep stele
stems sterilization sterilize sterling steven stews stiff stills stilt stirling stirring stitch stole stomp
stony stoop stops store stores storey storied stork storm storming stormy strafing strangely strangle strap
straying strengthen strengths strep string stripe strips stripy stroking stronger strung stuart stuck stuffs
stuffy stunting sturdier styled styles stylish stylist stylists stylized subscribed subscriber subscribers
subscribes subset subtitle subtler subtlety sucks sue suing sunlight sunsets superb supers supper surer
swamp swaps swarming swatch swatting swift swill switched switches tabled tables tablet tael taint taken
taker takes tamer tames tanks teats temperate temperatures tents tests texas thane thanes theme there theses
thine thingies thingy think thinks thins thirds thirsty thirteenth thirties thong thongs thorough thought
thoughts thrace threes threw thrive tides tiger tiles tills tilts timber timed timers tines tings tinny
tints tires toner tongs tonne tonnes torch totes touchy tough tow towed towns toyed trace tracks tract tracy
transfer transfers transformed transformer transforms transport treeline trick trill trims trough truck
tuned tunes turns tweed tween tweets twelves twine tying tyr universe unload unshaven untie updated updates
uploaded uploads upsides urn vantage versions vices videos vines volumes wanda wants warder warmed warmers
warms warner washer washes wasted wealthier weathered weathers websites wells wether whale where while whine
whiten whiteout whiter whites whitey whore whose width willa wills willy windscreen wished witch wobble
world wound wreathed write yours zeros zooms
""".split()) | frozenset("""
faces fakes faded fader caution cautions trick tricks truck trucks trace traces tract tracts gentle
overlap overlaps overly insert inserted ember voile loser lover lowed heeding captains burps onset
""".split())  # by hand: near the structural words (compose.py) added after the list was generated


def build(freq_json_gz: str, min_count: int = 100) -> str:  # pragma: no cover - a maintenance tool
    """This module's source, regenerated from a word-frequency list."""
    import gzip
    import json
    import textwrap

    from . import realwords, typos

    realwords.REAL_WORDS = frozenset()  # the module typos.py reads, even when this runs as __main__
    counts = json.load(gzip.open(freq_json_gz))
    hits = sorted(w for w, n in counts.items()
                  if n >= min_count and w.isascii() and w.isalpha() and w.islower() and typos.candidates(w))
    body = textwrap.fill(" ".join(hits), width=108)
    head = open(__file__, encoding="utf-8").read().split('REAL_WORDS = frozenset("""')[0]
    tail = open(__file__, encoding="utf-8").read().split('""".split())', 1)[1]
    return head + 'REAL_WORDS = frozenset("""\n' + body + '\n""".split())' + tail


if __name__ == "__main__":  # pragma: no cover
    sys.stdout.write(build(sys.argv[1]))
