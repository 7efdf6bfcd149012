// Names for containers created without --name, with docker's semantics (moby's namesgenerator
// and daemon.generateNewName): "adjective_noun"; on a clash try again, appending one random
// digit from the second attempt on; after six attempts fall back to the short container ID.
// The word lists are berth's own (landscape, weather and colour words; animals, plants, places):
// 120 × 200 = 24,000 bare names, ×10 more with a digit.
import { randomInt } from '../util/random.ts';
import { NameConflictError } from './errors.ts';
import type { ContainerRecord } from './types.ts';

export const ADJECTIVES: readonly string[] = [
  'amber', 'ancient', 'arctic', 'ashen', 'autumnal', 'azure', 'billowing', 'blooming', 'blustery', 'breezy',
  'brisk', 'bronze', 'bubbling', 'burly', 'cedarn', 'chilly', 'cloudy', 'coastal', 'cobalt', 'copper',
  'coral', 'cosmic', 'crimson', 'crisp', 'crystal', 'dappled', 'dawning', 'dewy', 'drifting', 'dusky',
  'dusty', 'early', 'earthy', 'ebony', 'emerald', 'evening', 'fading', 'fallow', 'feathered', 'ferny',
  'fiery', 'floral', 'foggy', 'forested', 'fragrant', 'frozen', 'gilded', 'glacial', 'gleaming', 'glowing',
  'golden', 'granite', 'grassy', 'hazel', 'hazy', 'hidden', 'hollow', 'humid', 'icy', 'indigo',
  'ivory', 'jade', 'lavender', 'leafy', 'lilac', 'lofty', 'lunar', 'marbled', 'mellow', 'misty',
  'mossy', 'muddy', 'murky', 'nimble', 'northern', 'oaken', 'oceanic', 'olive', 'opaline', 'pale',
  'pebbly', 'polar', 'rainy', 'rapid', 'rippling', 'rocky', 'rosy', 'rugged', 'rustic', 'rusty',
  'sandy', 'scarlet', 'shady', 'shimmering', 'silvery', 'snowy', 'solar', 'southern', 'sparkling', 'speckled',
  'starry', 'steady', 'stony', 'stormy', 'sunlit', 'sunny', 'tidal', 'timbered', 'tranquil', 'twilit',
  'velvet', 'verdant', 'violet', 'wandering', 'wavy', 'western', 'windy', 'wintry', 'wooded', 'woolly',
];

export const NOUNS: readonly string[] = [
  'albatross', 'alder', 'anchovy', 'antelope', 'archipelago', 'aspen', 'atoll', 'avocet', 'badger', 'barnacle',
  'basin', 'bayou', 'beacon', 'beaver', 'beech', 'birch', 'bison', 'bittern', 'bluff', 'boulder',
  'bramble', 'brook', 'buffalo', 'butte', 'buzzard', 'cactus', 'caldera', 'camel', 'canyon', 'capybara',
  'caribou', 'cascade', 'cavern', 'chamois', 'cheetah', 'chestnut', 'chipmunk', 'cirrus', 'clover', 'cormorant',
  'cougar', 'cove', 'coyote', 'crane', 'crater', 'creek', 'cricket', 'cypress', 'dahlia', 'delta',
  'dingo', 'dolphin', 'dormouse', 'dune', 'eagle', 'egret', 'elk', 'elm', 'estuary', 'falcon',
  'fennec', 'ferret', 'fjord', 'flamingo', 'foxglove', 'gannet', 'gazelle', 'gecko', 'geyser', 'gibbon',
  'glacier', 'glade', 'gorge', 'grouse', 'gull', 'hamster', 'harbor', 'hare', 'hawk', 'hazelnut',
  'heath', 'hedgehog', 'hemlock', 'heron', 'hickory', 'hillock', 'hornbill', 'ibex', 'ibis', 'iguana',
  'inlet', 'island', 'jackal', 'jaguar', 'juniper', 'kestrel', 'kingfisher', 'koala', 'lagoon', 'lark',
  'laurel', 'lemming', 'lemur', 'lichen', 'linden', 'llama', 'lobster', 'lotus', 'lynx', 'magpie',
  'mallard', 'mangrove', 'maple', 'marmot', 'marsh', 'marten', 'meadow', 'meerkat', 'mesa', 'mink',
  'minnow', 'mole', 'monsoon', 'moose', 'moraine', 'narwhal', 'newt', 'nightjar', 'oasis', 'ocelot',
  'orchid', 'oriole', 'osprey', 'otter', 'owl', 'oyster', 'panda', 'pangolin', 'panther', 'parrot',
  'pelican', 'penguin', 'peregrine', 'petrel', 'pheasant', 'pika', 'pine', 'plateau', 'plover', 'poplar',
  'porcupine', 'prairie', 'puffin', 'quail', 'quokka', 'rabbit', 'raccoon', 'rapids', 'raven', 'redwood',
  'reef', 'reindeer', 'ridge', 'robin', 'salamander', 'sandpiper', 'savanna', 'seal', 'sequoia', 'shrew',
  'skylark', 'sloth', 'sparrow', 'spruce', 'squirrel', 'starling', 'stoat', 'stork', 'summit', 'swallow',
  'swan', 'sycamore', 'tamarack', 'tapir', 'tern', 'thicket', 'thrush', 'tortoise', 'toucan', 'tundra',
  'valley', 'vole', 'walrus', 'warbler', 'weasel', 'willow', 'wolverine', 'wombat', 'wren', 'yak',
];

/** One candidate: "adjective_noun", with a digit appended from the second attempt (retry ≥ 1). */
export function randomName(retry = 0, pick: (n: number) => number = randomInt): string {
  const name = `${ADJECTIVES[pick(ADJECTIVES.length)]}_${NOUNS[pick(NOUNS.length)]}`;
  return retry > 0 ? `${name}${pick(10)}` : name;
}

/** docker's attempts before it names the container after its short ID. */
export const NAME_ATTEMPTS = 6;

/** A name `taken` says is free: up to NAME_ATTEMPTS random ones, then the short ID. */
export function generateName(taken: (name: string) => boolean, id: string, pick?: (n: number) => number): string {
  for (let retry = 0; retry < NAME_ATTEMPTS; retry++) {
    const name = randomName(retry, pick);
    if (!taken(name)) return name;
  }
  return id.slice(0, 12);
}

interface NameStore { insert(rec: ContainerRecord): void; byName(name: string): unknown }

/** Inserts `rec`; when its name was generated and another create took it in the meantime (the
 * store's UNIQUE name), draws another instead of failing, as docker's reservation loop does. */
export function insertNamed(store: NameStore, rec: ContainerRecord, generated: boolean): void {
  for (let attempt = 0; ; attempt++) {
    try {
      store.insert(rec);
      return;
    } catch (e) {
      if (!generated || !(e instanceof NameConflictError) || attempt >= NAME_ATTEMPTS) throw e;
      rec.name = generateName((n) => store.byName(n) !== null, rec.id);
    }
  }
}
